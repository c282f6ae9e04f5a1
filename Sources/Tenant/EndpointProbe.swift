import Dispatch
import Foundation
import NostrBridge
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP connect to an endpoint, bounded by a timeout: the probe `ncn run` measures uptime with.
/// It blocks a global-queue thread, never one of Swift's cooperative ones.
public enum EndpointProbe {
    public static func answers(host: String, port: Int, timeout: Duration = .seconds(3)) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: connect(host: host, port: port, timeout: timeout)) }
        }
    }

    static func connect(host: String, port: Int, timeout: Duration) -> Bool {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        let millis = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if Glibc.connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return true }
            guard errno == EINPROGRESS else { continue }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, millis) == 1 else { continue }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 { return true }
        }
        return false
    }
}

/// Measures a lease's uptime while `ncn run` or `ncn watch` follows it: once the provider says
/// `running` with endpoints, every `interval` each TCP endpoint gets a connect; a round counts
/// as up when all of them answered. UDP endpoints cannot be probed this way and are left out.
public final class UptimeWatch: Sendable {
    public let interval: Duration
    private let probe: @Sendable (ComputeEndpoint) async -> Bool
    private let state = Mutex((endpoints: [ComputeEndpoint](), meter: UptimeMeter<ContinuousClock.Instant>(), stopped: false))

    public init(interval: Duration = .seconds(10),
                probe: @escaping @Sendable (ComputeEndpoint) async -> Bool = { await EndpointProbe.answers(host: $0.host, port: $0.port) }) {
        self.interval = interval
        self.probe = probe
    }

    /// The endpoints the provider's latest `running` named.
    public func running(_ endpoints: [ComputeEndpoint]) {
        state.withLock { $0.endpoints = endpoints.filter { $0.protocol == .tcp } }
    }

    /// No more probes: the lease ended.
    public func stop() { state.withLock { $0.stopped = true } }

    public var meter: UptimeMeter<ContinuousClock.Instant> { state.withLock { $0.meter } }
    public var endpoints: [ComputeEndpoint] { state.withLock { $0.endpoints } }

    /// Probes until cancelled or stopped.
    public func run() async {
        while !Task.isCancelled {
            let (endpoints, stopped) = state.withLock { ($0.endpoints, $0.stopped) }
            if stopped { return }
            if !endpoints.isEmpty {
                var all = true
                for endpoint in endpoints {
                    let answered = await probe(endpoint)
                    if !answered { all = false }
                }
                let now = ContinuousClock.now
                state.withLock { if !$0.stopped { $0.meter.record(all, at: now) } }
            }
            try? await Task.sleep(for: interval)
        }
    }
}
