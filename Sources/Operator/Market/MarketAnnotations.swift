import ComputeAPI
import NostrBridge

/// What the bridge keeps on a lease so that it can answer the tenant after a restart: the
/// request's encryption (answers to an encrypted request are encrypted back), a relay hint, and
/// what it has already announced (so announcements are at-least-once, not every reconcile).
enum MarketAnnotations {
    static let encryption = "ncn.dev/reply-encryption"
    static let relayHint = "ncn.dev/relay-hint"
    /// Keys of what was published to the tenant, comma-separated, e.g. `bid,invoice:0,provisioning,running:3f2a`.
    static let announced = "ncn.dev/announced"
    /// The bid's price lines, `cpu=5000,memory=250,gpu=600000,disk=167` (msats per interval), for the tenant.
    static let bidCosts = "ncn.dev/bid-costs"

    static func costs(of lease: ComputeLease) -> [ComputeCost] {
        (lease.metadata.annotations?[bidCosts] ?? "").split(separator: ",").compactMap { line in
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let msats = Int64(parts[1]) else { return nil }
            return ComputeCost(resource: String(parts[0]), msatsPerInterval: msats)
        }
    }

    static func replyContext(for lease: ComputeLease) -> ComputeReplyContext {
        let annotations = lease.metadata.annotations ?? [:]
        return ComputeReplyContext(
            requestID: lease.spec.requestEventId, tenant: lease.spec.tenantPubkey,
            encryption: annotations[encryption].flatMap(ComputeEncryption.init(rawValue:)), relayHint: annotations[relayHint])
    }

    static func announcedKeys(of lease: ComputeLease) -> Set<String> {
        Set((lease.metadata.annotations?[announced] ?? "").split(separator: ",").map(String.init))
    }
}
