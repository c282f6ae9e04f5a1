import ComputeAPI
import Foundation
import KubeClient

/// What the provider keeps of a lease once it ended, to answer "what ran here on date X": who ran
/// what (the image the runtime resolved, by digest), with which resources, when, what was paid and
/// why it ended. Never an environment value, plain or secret, and no payment secret: invoices and
/// tokens stay out; amounts are kept.
public struct LeaseAuditRecord: Codable, Sendable, Equatable {
    public var lease: String
    public var tenantPubkey: String
    public var requestEventId: String
    public var image: String
    /// The image the container runtime ran, by digest, when a container started.
    public var imageDigest: String?
    public var category: String?
    public var cpu: String
    public var memory: String
    public var gpus: Int
    public var gpuModel: String?
    public var disk: String?
    /// Container ports exposed, as "8080/TCP".
    public var ports: [String]?
    public var node: String?
    public var bidAt: String?
    /// When the first tranche was credited (the workload's start of paid time).
    public var startedAt: String?
    public var endedAt: String
    public var phase: String
    public var endReason: String
    public var exitCode: Int32?
    public var paymentRail: String
    public var pricePerIntervalMsats: Int64
    public var intervalSeconds: Int
    public var tranchesPaid: Int
    public var msatsReceived: Int64

    /// The record of `lease`, ended at `endedAt`; `pod` is its workload's Pod, when one ran.
    public init(lease: ComputeLease, pod: Pod?, endedAt: Date) {
        let spec = lease.spec
        let status = lease.status
        self.lease = lease.metadata.name ?? ""
        tenantPubkey = spec.tenantPubkey
        requestEventId = spec.requestEventId
        image = spec.image
        imageDigest = pod?.status?.containerStatuses?.compactMap(\.imageID).first { !$0.isEmpty }
        category = spec.category
        cpu = spec.resources.cpu.text
        memory = spec.resources.memory.text
        gpus = spec.resources.gpus
        gpuModel = spec.resources.gpuModel
        disk = spec.resources.ephemeralStorage?.text
        ports = spec.ports.map { $0.map { "\($0.port)/\($0.protocol.rawValue)" } }
        node = status?.node
        bidAt = lease.metadata.creationTimestamp
        startedAt = lease.timeline.startedAt.map { Timestamp($0).rfc3339 }
        self.endedAt = Timestamp(endedAt).rfc3339
        phase = (status?.phase ?? .terminated).rawValue
        endReason = (status?.terminationReason ?? .providerTerminated).rawValue
        exitCode = status?.exitCode
        paymentRail = spec.paymentRail.rawValue
        pricePerIntervalMsats = spec.pricePerIntervalMsats
        intervalSeconds = spec.intervalSeconds
        tranchesPaid = status?.ledger?.tranchesPaid ?? 0
        msatsReceived = status?.ledger?.msatsReceived ?? 0
    }

    /// One line of JSON with sorted keys: the same lease ends as the same text, so writing it
    /// again after a crash changes nothing.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
