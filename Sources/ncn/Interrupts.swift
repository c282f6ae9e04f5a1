@preconcurrency import Dispatch
import Foundation

/// Ctrl-C as a stream: the first SIGINT is yielded (the lease is cancelled cleanly); a second one
/// exits at once with status 130.
enum Interrupts {
    /// Kept for the life of the process: a released source stops delivering signals.
    nonisolated(unsafe) private static var source: (any DispatchSourceSignal)?

    static func stream() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        nonisolated(unsafe) var count = 0
        source.setEventHandler {
            count += 1
            if count > 1 {
                FileHandle.standardError.write(Data("ncn: interrupted again, exiting without waiting for the provider\n".utf8))
                exit(ExitStatus.interrupted.rawValue)
            }
            continuation.yield()
        }
        source.resume()
        Self.source = source
        return stream
    }
}
