import Synchronization

/// A wallet that says when a payment may have arrived: NWC's `payment_received` notifications,
/// LNbits' push. A hint to look an invoice up sooner, never proof of payment: pushes can be
/// missed or forged, and only `LightningWallet.lookupInvoice` is authoritative.
public protocol PaymentHintSource: Sendable {
    /// Keeps the wallet's connection until the calling task is cancelled.
    func run() async throws
    /// Payment hashes (64 lowercase hex) as the wallet announces them, from now on.
    func notifications() -> AsyncStream<String>
}

/// Hands each hint to every current listener; a slow listener loses the oldest, not the newest.
final class PaymentHintFanOut: Sendable {
    private struct State {
        var listeners: [Int: AsyncStream<String>.Continuation] = [:]
        var next = 0
        var finished = false
    }

    private let state = Mutex(State())

    func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(256))
        let id: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            state.next += 1
            state.listeners[state.next] = continuation
            return state.next
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) } }
        return stream
    }

    func yield(_ hash: String) {
        for listener in state.withLock({ Array($0.listeners.values) }) { listener.yield(hash) }
    }

    /// Ends every stream; later subscribers get an ended one.
    func finish() {
        // Outside the lock: `finish()` runs `onTermination`, which takes it.
        let listeners = state.withLock { state in
            state.finished = true
            defer { state.listeners.removeAll() }
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.finish() }
    }
}
