import AsyncHTTPClient
import ComputeAPI
import Foundation
import Logging
import Metrics
import Synchronization

/// Runs image scans beside the lease workers, since one takes minutes: the reconciler asks for a
/// lease's outcome, gets `pending` while the image is resolved to its digest and scanned, and is
/// woken when the outcome is ready. An image digest the scanner allowed is not scanned again.
public final class ImageScans: Sendable {
    public enum Outcome: Sendable, Equatable {
        case pending
        case allowed(image: String)
        case denied(image: String, reason: String)
        /// Not scanned; `permanent`: trying again cannot help.
        case failed(String, permanent: Bool)
    }

    private struct State: Sendable {
        /// Pinned images the scanner allowed, with when.
        var allowed: [String: Date] = [:]
        var running: Set<String> = []
        var finished: [String: Outcome] = [:]
    }

    /// Scans at once; further leases wait for their reconciler's next look.
    public let concurrency: Int
    public let maxRemembered = 10_000
    private let resolverFor: @Sendable (ImageScanSettings) -> RegistryDigestResolver
    private let client: ImageScanClient
    private let wake: @Sendable (String) -> Void
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let state = Mutex(State())

    public init(http: HTTPClient = .shared, concurrency: Int = 4, now: @escaping @Sendable () -> Date = { Date() }, logger: Logger,
                wake: @escaping @Sendable (String) -> Void) {
        self.concurrency = max(1, concurrency)
        resolverFor = { settings in RegistryDigestResolver(http: http, plainHTTP: Set(settings.plainHTTPRegistries ?? [])) }
        client = ImageScanClient(http: http)
        self.wake = wake
        self.now = now
        self.logger = logger
    }

    /// The lease's scan outcome, starting its scan when none is running; `pending` until it is done.
    /// A finished outcome is handed out once: the reconciler records it in the lease's status.
    public func outcome(for lease: ComputeLease, settings: ImageScanSettings) -> Outcome {
        let name = lease.metadata.name ?? ""
        enum Step { case done(Outcome), wait, start }
        let step = state.withLock { state -> Step in
            if let done = state.finished.removeValue(forKey: name) { return .done(done) }
            if state.running.contains(name) || state.running.count >= concurrency { return .wait }
            state.running.insert(name)
            return .start
        }
        switch step {
        case let .done(outcome): return outcome
        case .wait: return .pending
        case .start: break
        }
        let image = lease.spec.image, tenant = lease.spec.tenantPubkey
        Task { [self] in
            let outcome = await scan(image: image, lease: name, tenant: tenant, settings: settings)
            state.withLock { state in
                state.running.remove(name)
                if state.finished.count >= maxRemembered { state.finished.removeAll() }  // leases gone before they looked
                state.finished[name] = outcome
            }
            wake(name)
        }
        return .pending
    }

    private func scan(image: String, lease: String, tenant: String, settings: ImageScanSettings) async -> Outcome {
        let pinned: String
        do {
            pinned = try await resolverFor(settings).resolve(image)
        } catch let error as ImageScanError {
            return .failed("\(error)", permanent: error.isPermanent)
        } catch {
            return .failed("\(error)", permanent: false)
        }
        if state.withLock({ $0.allowed[pinned] != nil }) {
            Counter(label: "ncn_image_scans_total", dimensions: [("verdict", "cached")]).increment()
            return .allowed(image: pinned)
        }
        let started = now()
        do {
            let verdict = try await client.scan(image: pinned, lease: lease, tenant: tenant, url: settings.url,
                                                timeout: .seconds(settings.timeoutSeconds))
            logger.info("image scanned", metadata: [
                "lease": "\(lease)", "image": "\(pinned)", "verdict": "\(verdict)", "seconds": "\(Int(now().timeIntervalSince(started)))",
            ])
            switch verdict {
            case .allow:
                Counter(label: "ncn_image_scans_total", dimensions: [("verdict", "allow")]).increment()
                state.withLock { state in
                    if state.allowed.count >= maxRemembered, let oldest = state.allowed.min(by: { $0.value < $1.value })?.key {
                        state.allowed[oldest] = nil
                    }
                    state.allowed[pinned] = now()
                }
                return .allowed(image: pinned)
            case let .deny(reason):
                Counter(label: "ncn_image_scans_total", dimensions: [("verdict", "deny")]).increment()
                return .denied(image: pinned, reason: reason)
            }
        } catch {
            Counter(label: "ncn_image_scans_total", dimensions: [("verdict", "failed")]).increment()
            return .failed("\(error)", permanent: false)
        }
    }
}
