import Foundation
import KubeClient

/// A copy of the tenant's private environment in the lease namespace, where the Pod's `envFrom`
/// can read it (a Pod can only reference Secrets of its own namespace).
enum EnvSecretBuilder {
    /// Values go into `data` as base64, not `stringData`: `stringData` is write-only, so an
    /// object read back would never equal the one built, and every comparison would see drift.
    static func build(_ lease: CheckedLease) -> Secret? {
        guard let values = lease.envSecretData else { return nil }
        let data = values.mapValues { Data($0.utf8).base64EncodedString() }
        return Secret(metadata: lease.metadata(name: LeaseObjectNames.envSecret), type: "Opaque", data: data)
    }
}
