/// Runs `services` (relay pools, wallets: things that run until cancelled) around `body`, and
/// cancels them when it returns.
public func whileRunning<T: Sendable>(_ services: [@Sendable () async throws -> Void], _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for service in services { group.addTask { try? await service() } }
        defer { group.cancelAll() }
        return try await body()
    }
}
