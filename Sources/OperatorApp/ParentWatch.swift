import Foundation
import ServiceLifecycle

/// Ends the service group once the process that started this one is gone (this process was
/// re-parented): `--exit-with-parent`, so a test harness or supervisor killed with SIGKILL leaves
/// no operator behind to answer the next run's requests with a key it read then.
public struct ParentWatch: ServiceLifecycle.Service {
    let parent: pid_t

    public init(parent: pid_t = getppid()) {
        self.parent = parent
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while getppid() == parent { try await Task.sleep(for: .seconds(1)) }
        }
        // Returning ends the whole group, which is the point.
    }
}
