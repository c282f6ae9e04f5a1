import KubeClient

/// The three calls leader election makes on its Lease. `KubernetesClient` provides them; tests
/// substitute an in-memory Lease that can conflict, fail or hang on demand.
protocol LeaseAccess: Sendable {
    /// nil when the Lease does not exist.
    func get(namespace: String, name: String) async throws -> Lease?
    func create(_ lease: Lease) async throws -> Lease
    /// A compare-and-swap on `metadata.resourceVersion`.
    func replace(_ lease: Lease) async throws -> Lease
    /// Whether a failed write means the Lease changed under us (re-read at once).
    func isConflict(_ error: any Error) -> Bool
}

struct KubernetesLeaseAccess: LeaseAccess {
    let client: KubernetesClient

    func get(namespace: String, name: String) async throws -> Lease? {
        do {
            return try await client.get(Lease.self, name: name, namespace: namespace)
        } catch let error as KubernetesError where error.isNotFound {
            return nil
        }
    }

    func create(_ lease: Lease) async throws -> Lease { try await client.create(lease) }

    func replace(_ lease: Lease) async throws -> Lease { try await client.replace(lease) }

    func isConflict(_ error: any Error) -> Bool { Self.isConflict(error) }

    static func isConflict(_ error: any Error) -> Bool {
        guard let error = error as? KubernetesError else { return false }
        // 404 on replace: deleted since we read it, which is a change like any other.
        return error.isConflict || error.isAlreadyExists || error.isNotFound
    }
}
