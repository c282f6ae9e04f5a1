import Foundation
import NostrBridge

/// What serving container logs may cost the provider (draft §5.4). Only a lease's tenant is
/// served, so these bound a paying tenant (and a relay replaying its requests), not strangers:
/// a stranger's log request costs a signature check and a look-up in the lease store.
public struct LogLimits: Sendable, Equatable {
    /// Plaintext bytes per chunk (the draft's bound).
    public var chunkBytes = ComputeLogChunk.maximumPlaintextBytes
    /// Chunks a second per lease, and the burst allowed after a quiet spell.
    public var chunksPerSecondPerLease = 4.0
    public var chunkBurstPerLease = 8.0
    /// Chunks a second for all log readers together: what the provider's relays see from logs.
    public var chunksPerSecond = 10.0
    public var chunkBurst = 20.0
    /// Concurrent answers per lease; a newer request of the tenant replaces the oldest.
    public var readersPerLease = 2
    /// Concurrent answers in all; beyond it a request ends at once with `busy`.
    public var readers = 32
    /// Log requests a minute per lease (a client following re-asks about every `window`).
    public var requestsPerMinutePerLease = 12.0
    /// A follow ends after this long with `window`; the client asks again with `after`.
    public var window: TimeInterval = 300
    /// Bytes of log read from the apiserver per answer (its `limitBytes`); then `limit`.
    public var bytesPerAnswer = 1 << 20
    /// A chunk goes out when full, or when its oldest line has waited this long.
    public var flushAfter: TimeInterval = 0.5
    /// A follow with nothing to say sends an empty chunk this often, so the client knows it is alive.
    public var keepalive: TimeInterval = 30
    /// Log requests dated further than this from now are ignored (replays).
    public var maximumRequestAge: TimeInterval = 60

    public init() {}
}
