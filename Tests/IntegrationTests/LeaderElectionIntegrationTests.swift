import Foundation
import KubeClient
import Operator
import Synchronization
import XCTest

/// Leader election between two electors on the real apiserver, with short timings (lease 3 s,
/// renew deadline 2 s, retry 0.5 s): never two leaders, prompt hand-over on release, hand-over
/// after the lease duration (and not before) on a crash, and a leader cut off from the
/// apiserver stops its work before anyone else starts.
final class LeaderElectionIntegrationTests: XCTestCase {
    static let leaseDuration: Duration = .seconds(3)
    static let renewDeadline: Duration = .seconds(2)
    static let retryPeriod: Duration = .milliseconds(500)
    /// apiserver round trips and scheduling on a busy two-core machine.
    static let slack: Duration = .milliseconds(700)

    private func elector(_ identity: String, _ client: KubernetesClient, namespace: String, log: ElectionLog,
                 releaseOnCancel: Bool = true) throws -> LeaderElector<ContinuousClock> {
        let configuration = try LeaderElectionConfiguration(
            identity: identity, leaseDuration: Self.leaseDuration, renewDeadline: Self.renewDeadline,
            retryPeriod: Self.retryPeriod, namespace: namespace, releaseOnCancel: releaseOnCancel)
        return LeaderElector(client: client, configuration: configuration) { event in log.record(identity, event) }
    }

    func testExactlyOneLeadsAndReleasingHandsOverWithinARetryPeriod() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { ns in
                let log = ElectionLog()
                let a = try elector("replica-a", client, namespace: ns, log: log)
                let b = try elector("replica-b", client, namespace: ns, log: log)
                try await withThrowingTaskGroup(of: Void.self) { outer in
                    try await withThrowingTaskGroup(of: Void.self) { inner in
                        inner.addTask { try await a.run { try await log.work("replica-a") } }
                        let aLeads = await eventually(within: .seconds(5)) { a.isLeader && log.running == ["replica-a"] }
                        XCTAssertTrue(aLeads, "the first elector creates the lease and leads")
                        outer.addTask { try await b.run { try await log.work("replica-b") } }
                        // Sample for a while: always exactly one leader, always a.
                        for _ in 0..<60 {
                            XCTAssertTrue(a.isLeader)
                            XCTAssertFalse(b.isLeader)
                            try await Task.sleep(for: .milliseconds(25))
                        }
                        XCTAssertEqual(b.currentLeader, "replica-a")
                        let lease = try await client.get(Lease.self, name: LeaderElectionConfiguration.defaultLeaseName, namespace: ns)
                        XCTAssertEqual(lease.spec?.holderIdentity, "replica-a")
                        XCTAssertEqual(lease.spec?.leaseDurationSeconds, 3)
                        inner.cancelAll()
                    }
                    let released = ContinuousClock.now
                    let bLeads = await eventually(within: .seconds(5)) { b.isLeader && log.running == ["replica-b"] }
                    XCTAssertTrue(bLeads)
                    let handOver = ContinuousClock.now - released
                    XCTAssertLessThanOrEqual(handOver, Self.retryPeriod + Self.slack, "a released lease is taken at the next read")
                    let lease = try await client.get(Lease.self, name: LeaderElectionConfiguration.defaultLeaseName, namespace: ns)
                    XCTAssertEqual(lease.spec?.holderIdentity, "replica-b")
                    XCTAssertEqual(lease.spec?.leaseTransitions, 1)
                    outer.cancelAll()
                }
                XCTAssertEqual(log.maxConcurrentWork, 1, "the work never ran twice at once")
                XCTAssertTrue(log.events("replica-a").contains(.stoppedLeading(.shutdown)))
                let final = try await client.get(Lease.self, name: LeaderElectionConfiguration.defaultLeaseName, namespace: ns)
                XCTAssertNil(final.spec?.holderIdentity, "released on the way out")
            }
        }
    }

    func testACrashedLeaderIsReplacedAfterTheLeaseDurationAndNotBefore() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { ns in
                let log = ElectionLog()
                let a = try elector("replica-a", client, namespace: ns, log: log, releaseOnCancel: false)
                let b = try elector("replica-b", client, namespace: ns, log: log)
                try await withThrowingTaskGroup(of: Void.self) { outer in
                    try await withThrowingTaskGroup(of: Void.self) { inner in
                        inner.addTask { try await a.run { try await log.work("replica-a") } }
                        let aLeads = await eventually(within: .seconds(5)) { a.isLeader }
                        XCTAssertTrue(aLeads)
                        outer.addTask { try await b.run { try await log.work("replica-b") } }
                        try await Task.sleep(for: .seconds(1))
                        XCTAssertFalse(b.isLeader)
                        inner.cancelAll()  // no release: as if the process died
                    }
                    let killed = ContinuousClock.now
                    let killedAt = Date()
                    let orphan = try await client.get(Lease.self, name: LeaderElectionConfiguration.defaultLeaseName, namespace: ns)
                    XCTAssertEqual(orphan.spec?.holderIdentity, "replica-a", "nobody released it")
                    let lastRenewal = try XCTUnwrap(orphan.spec?.renewTime.flatMap(parseMicroTime))

                    let bLeads = await eventually(within: .seconds(8), every: .milliseconds(10)) { b.isLeader }
                    XCTAssertTrue(bLeads)
                    let takenAt = Date()
                    // The renewTime was written by replica-a with this host's clock, so comparing it is fair here.
                    XCTAssertGreaterThanOrEqual(takenAt.timeIntervalSince(lastRenewal), 3.0 - 0.05,
                                                "never before leaseDuration has passed since the last renewal")
                    XCTAssertLessThanOrEqual(ContinuousClock.now - killed, Self.leaseDuration + Self.retryPeriod + Self.slack)
                    XCTAssertGreaterThan(takenAt.timeIntervalSince(killedAt), 3.0 - 0.5 - 0.3,
                                         "the last renewal was at most one retry period before the kill")
                    let lease = try await client.get(Lease.self, name: LeaderElectionConfiguration.defaultLeaseName, namespace: ns)
                    XCTAssertEqual(lease.spec?.holderIdentity, "replica-b")
                    XCTAssertEqual(lease.spec?.leaseTransitions, 1)
                    outer.cancelAll()
                }
                XCTAssertEqual(log.maxConcurrentWork, 1)
            }
        }
    }

    func testALeaderCutOffFromTheAPIServerStopsItsWorkBeforeTheOtherStarts() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { admin in
            try await admin.withScratchNamespace { ns in
                // replica-a talks to the apiserver as a service account whose access we can revoke.
                let token = try await leaseOnlyAccountToken(admin, namespace: ns, name: "replica-a")
                var connection = try ClusterConnection.kubeconfig(path: try bed.require("NCN_KUBECONFIG"))
                connection.credentials = .bearerToken(token)
                let limited = try KubernetesClient(connection: connection)
                do {
                    try await cutOff(limited, admin: admin, namespace: ns)
                    try await limited.shutdown()
                } catch {
                    try? await limited.shutdown()
                    throw error
                }
            }
        }
    }

    /// replica-a (on `limited`) leads, then loses its RoleBinding; replica-b (admin) waits.
    private func cutOff(_ limited: KubernetesClient, admin: KubernetesClient, namespace ns: String) async throws {
        let log = ElectionLog()
        let a = try elector("replica-a", limited, namespace: ns, log: log)
        let b = try elector("replica-b", admin, namespace: ns, log: log)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await a.run { try await log.work("replica-a") } }
            let aLeads = await eventually(within: .seconds(5)) { a.isLeader && log.running == ["replica-a"] }
            XCTAssertTrue(aLeads)
            group.addTask { try await b.run { try await log.work("replica-b") } }
            try await Task.sleep(for: .seconds(1))

            try await admin.delete(RoleBinding.self, name: "replica-a", namespace: ns)
            let cut = ContinuousClock.now
            let bLeads = await eventually(within: .seconds(8)) { b.isLeader && log.running == ["replica-b"] }
            XCTAssertTrue(bLeads)
            let aStopped = try XCTUnwrap(log.runs.first { $0.identity == "replica-a" }?.end)
            let bStarted = try XCTUnwrap(log.runs.first { $0.identity == "replica-b" }?.start)
            XCTAssertLessThan(aStopped, bStarted, "the cut-off leader stopped before the other started")
            XCTAssertLessThanOrEqual(aStopped - cut, Self.renewDeadline + Self.slack, "within renewDeadline of the last renewal")
            XCTAssertGreaterThanOrEqual(bStarted - aStopped, Self.leaseDuration - Self.renewDeadline - Self.slack,
                                        "with the safety margin between the two deadlines")
            XCTAssertTrue(log.events("replica-a").contains(.stoppedLeading(.renewDeadlineExceeded)))
            XCTAssertFalse(a.isLeader)
            group.cancelAll()
        }
        XCTAssertEqual(log.maxConcurrentWork, 1)
    }

    func testALeaderWhoseLeaseIsDeletedOrTakenStopsItsWorkAtOnce() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { ns in
                let log = ElectionLog()
                let a = try elector("replica-a", client, namespace: ns, log: log)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await a.run { try await log.work("replica-a") } }
                    let aLeads = await eventually(within: .seconds(5)) { a.isLeader && log.running == ["replica-a"] }
                    XCTAssertTrue(aLeads)

                    // Deleted: the lease is anyone's, so the work stops; then a re-creates it and leads again.
                    try await client.delete(Lease.self, name: LeaderElectionConfiguration.defaultLeaseName, namespace: ns)
                    let restarted = await eventually(within: .seconds(3)) { log.runs.count == 2 && log.running == ["replica-a"] }
                    XCTAssertTrue(restarted)
                    let toldVacated = await eventually(within: .seconds(1)) { log.events("replica-a").contains(.stoppedLeading(.leaseVacated)) }
                    XCTAssertTrue(toldVacated)

                    // Taken by another writer: the work stops at the next read...
                    var lease = try await client.get(Lease.self, name: LeaderElectionConfiguration.defaultLeaseName, namespace: ns)
                    lease.spec?.holderIdentity = "intruder"
                    lease.spec?.renewTime = "2020-01-01T00:00:00.000000Z"
                    _ = try await replaceRetryingConflicts(client, lease)
                    let takenAt = ContinuousClock.now
                    let stopped = await eventually(within: .seconds(3)) { log.running.isEmpty }
                    XCTAssertTrue(stopped)
                    XCTAssertLessThanOrEqual(ContinuousClock.now - takenAt, Self.retryPeriod + Self.slack)
                    XCTAssertFalse(a.isLeader)
                    XCTAssertEqual(a.currentLeader, "intruder")
                    // The elector stops the work first and tells afterwards, so the event may come a moment later.
                    let told = await eventually(within: .seconds(1)) { log.events("replica-a").contains(.stoppedLeading(.takenOver(by: "intruder"))) }
                    XCTAssertTrue(told)

                    // ...and, the intruder never renewing, a takes it back after the lease duration.
                    let back = await eventually(within: .seconds(6)) { log.running == ["replica-a"] }
                    XCTAssertTrue(back)
                    XCTAssertGreaterThanOrEqual(ContinuousClock.now - takenAt, Self.leaseDuration - .milliseconds(50))
                    let taken = try await client.get(Lease.self, name: LeaderElectionConfiguration.defaultLeaseName, namespace: ns)
                    XCTAssertEqual(taken.spec?.holderIdentity, "replica-a")
                    group.cancelAll()
                }
                XCTAssertEqual(log.runs.count, 3)
                XCTAssertEqual(log.maxConcurrentWork, 1)
            }
        }
    }

    // MARK: Helpers

    /// Another writer's compare-and-swap: retried on a conflict with the elector's renewals.
    func replaceRetryingConflicts(_ client: KubernetesClient, _ lease: Lease) async throws -> Lease {
        var lease = lease
        for _ in 0..<10 {
            do {
                return try await client.replace(lease)
            } catch let error as KubernetesError where error.isConflict {
                let current = try await client.get(Lease.self, name: lease.metadata.name!, namespace: lease.metadata.namespace)
                lease.metadata.resourceVersion = current.metadata.resourceVersion
            }
        }
        return try await client.replace(lease)
    }

    /// A service account that may read, create and update Leases in `namespace`, and its token
    /// (from the token controller, which the test bed's controller-manager runs).
    func leaseOnlyAccountToken(_ client: KubernetesClient, namespace: String, name: String) async throws -> String {
        _ = try await client.create(ServiceAccount(metadata: ObjectMeta(name: name, namespace: namespace)))
        _ = try await client.create(Role(metadata: ObjectMeta(name: name, namespace: namespace), rules: [
            .init(apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"]),
        ]))
        _ = try await client.create(RoleBinding(
            metadata: ObjectMeta(name: name, namespace: namespace),
            roleRef: .init(kind: "Role", name: name),
            subjects: [.init(kind: "ServiceAccount", name: name, namespace: namespace)]))
        return try await client.serviceAccountToken(name, namespace: namespace)
    }

    struct ServiceAccount: KubernetesResource {
        static let descriptor = ResourceDescriptor(group: "", version: "v1", plural: "serviceaccounts", kind: "ServiceAccount", namespaced: true)
        var apiVersion: String? = "v1"
        var kind: String? = "ServiceAccount"
        var metadata: ObjectMeta
        var secrets: [ObjectReference]?
        init(metadata: ObjectMeta) { self.metadata = metadata }
    }

    struct Role: KubernetesResource {
        static let descriptor = ResourceDescriptor(group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", kind: "Role", namespaced: true)
        struct Rule: Codable, Sendable {
            var apiGroups: [String]
            var resources: [String]
            var verbs: [String]
        }

        var apiVersion: String? = "rbac.authorization.k8s.io/v1"
        var kind: String? = "Role"
        var metadata: ObjectMeta
        var rules: [Rule]
        init(metadata: ObjectMeta, rules: [Rule]) {
            self.metadata = metadata
            self.rules = rules
        }
    }
}

/// What the electors did: their events, and every run of the leader's work with when it
/// started and stopped, to check that no two runs ever overlapped.
private final class ElectionLog: Sendable {
    struct Run: Sendable {
        var identity: String
        var start: ContinuousClock.Instant
        var end: ContinuousClock.Instant?
    }

    private struct State {
        var events: [String: [LeaderElectionEvent]] = [:]
        var runs: [Run] = []
        var active = 0
        var maxActive = 0
    }

    private let state = Mutex(State())

    var runs: [Run] { state.withLock { $0.runs } }
    /// Identities whose work is running now.
    var running: [String] { state.withLock { $0.runs.filter { $0.end == nil }.map(\.identity) } }
    var maxConcurrentWork: Int { state.withLock { $0.maxActive } }

    func events(_ identity: String) -> [LeaderElectionEvent] { state.withLock { $0.events[identity] ?? [] } }

    func record(_ identity: String, _ event: LeaderElectionEvent) {
        state.withLock { $0.events[identity, default: []].append(event) }
    }

    /// The leader's work: runs until cancelled.
    func work(_ identity: String) async throws {
        let index = state.withLock { state -> Int in
            state.runs.append(Run(identity: identity, start: .now))
            state.active += 1
            state.maxActive = max(state.maxActive, state.active)
            return state.runs.count - 1
        }
        defer {
            state.withLock { state in
                state.runs[index].end = .now
                state.active -= 1
            }
        }
        try await Task.sleep(for: .seconds(3600))
    }
}

/// Polls `condition` until it holds or `within` has passed.
private func eventually(within timeout: Duration, every interval: Duration = .milliseconds(20), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return condition()
}

/// `metav1.MicroTime` back into a Date (six fractional digits, UTC).
private func parseMicroTime(_ text: String) -> Date? {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXXXX"
    return formatter.date(from: text)
}
