import ComputeAPI
import Foundation
import KubeClient
import Logging

/// Writes Kubernetes Events, what `kubectl describe` shows. Recording is best effort:
/// a failed Event must never fail the reconcile that produced it.
public struct EventRecorder: Sendable {
    let client: KubernetesClient
    let component: String
    let logger: Logger

    public init(client: KubernetesClient, component: String = "ncn-operator", logger: Logger) {
        self.client = client
        self.component = component
        self.logger = logger
    }

    public enum Kind: String, Sendable { case normal = "Normal", warning = "Warning" }

    /// Cluster-scoped objects have no namespace of their own; their Events live in `default`,
    /// where `kubectl describe` looks for them.
    public func record(_ kind: Kind, reason: String, message: String, about object: ObjectReference) async {
        let namespace = object.namespace ?? "default"
        let stamp = ComputeAPI.Timestamp(Date()).rfc3339
        let name = "\(object.name ?? "object").\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        var event = Event(metadata: ObjectMeta(name: name, namespace: namespace), involvedObject: object,
                          reason: reason, message: message, type: kind.rawValue)
        event.source = .init(component: component)
        event.firstTimestamp = stamp
        event.lastTimestamp = stamp
        event.count = 1
        do {
            _ = try await client.create(event)
        } catch {
            logger.warning("could not record event", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
        logger.info("\(message)", metadata: ["event": "\(reason)", "object": "\(object.kind ?? "")/\(object.name ?? "")"])
    }
}
