import Foundation
import KubeClient
import Logging
import Metrics

/// Checks once, at start-up, that the cluster's network plugin enforces NetworkPolicy: every
/// lease's isolation (default deny, egress only to the internet) rests on it, and Kubernetes
/// accepts policies silently even where nothing enforces them. A client Pod connects to a server
/// Pod, then again after a deny-all policy selects the server; if the second connection works,
/// the policies are decoration and the provider is told loudly.
public struct NetworkPolicyProbe: Sendable {
    public var plan: NetworkPolicyProbePlan
    let client: KubernetesClient
    let logger: Logger
    /// How long a probe Pod may take to start (first pull of the image included) or finish.
    var podTimeout: Duration = .seconds(120)
    /// CNIs program a new policy asynchronously.
    var policySettle: Duration = .seconds(3)

    public init(plan: NetworkPolicyProbePlan, client: KubernetesClient, logger: Logger) {
        self.plan = plan
        self.client = client
        self.logger = logger
    }

    /// Runs the test, reports it (log and `ncn_networkpolicy_enforced`: 1, 0, or -1 for unknown)
    /// and removes what it made.
    @discardableResult
    public func run() async -> NetworkPolicyEnforcement {
        await cleanUp()
        let verdict: NetworkPolicyEnforcement
        do {
            verdict = try await test()
        } catch is CancellationError {
            await cleanUp()
            return .unknown(why: "cancelled")
        } catch {
            verdict = .unknown(why: "\(error)")
        }
        await cleanUp()
        report(verdict)
        return verdict
    }

    private func test() async throws -> NetworkPolicyEnforcement {
        _ = try await client.create(plan.server)
        let server = try await waitFor(plan.serverName, "run") { $0.status?.phase == "Running" && $0.status?.podIP != nil }
        guard let ip = server.status?.podIP else { return .unknown(why: "the probe server has no IP") }
        let before = try await attempt("before", serverIP: ip)
        guard before else { return .judge(before: false, after: false) }
        _ = try await client.create(plan.denyPolicy)
        try await Task.sleep(for: policySettle)
        return .judge(before: true, after: try await attempt("after", serverIP: ip))
    }

    /// Whether the client reached the server: its Pod Succeeded (exit 0) or Failed (exit 1).
    private func attempt(_ name: String, serverIP: String) async throws -> Bool {
        _ = try await client.create(plan.client(name, serverIP: serverIP))
        let done = try await waitFor(plan.clientName(name), "finish") { ["Succeeded", "Failed"].contains($0.status?.phase) }
        return done.status?.phase == "Succeeded"
    }

    private func waitFor(_ name: String, _ what: String, _ condition: (Pod) -> Bool) async throws -> Pod {
        let deadline = ContinuousClock.now + podTimeout
        while true {
            let pod = try await client.get(Pod.self, name: name, namespace: plan.namespace)
            if condition(pod) { return pod }
            guard ContinuousClock.now < deadline else {
                let state = pod.status?.containerStatuses?.first.map { "\($0)" } ?? pod.status?.phase ?? "no status"
                throw ProbeTimeout(description: "the probe pod \(name) did not \(what) within \(podTimeout): \(state)")
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    private func cleanUp() async {
        for name in [plan.clientName("before"), plan.clientName("after"), plan.serverName] {
            try? await client.delete(Pod.self, name: name, namespace: plan.namespace, gracePeriodSeconds: 0)
        }
        try? await client.delete(NetworkPolicy.self, name: plan.policyName, namespace: plan.namespace)
    }

    private func report(_ verdict: NetworkPolicyEnforcement) {
        let gauge = Gauge(label: "ncn_networkpolicy_enforced")
        switch verdict {
        case .enforced:
            gauge.record(1)
            logger.info("NetworkPolicy self-test: enforced (a deny-all policy stopped a connection that worked without it)")
        case .notEnforced:
            gauge.record(0)
            logger.error("""
                NetworkPolicy self-test: NOT ENFORCED. A connection went through a deny-all policy, so this cluster's \
                network plugin ignores NetworkPolicy: tenants' pods can reach each other, this cluster's services and \
                private networks. Install a plugin that enforces NetworkPolicy (Calico, Cilium, Antrea, kube-router, \
                Weave Net) before renting to strangers.
                """, metadata: ["node": "\(plan.node)"])
        case let .unknown(why):
            gauge.record(-1)
            logger.warning("NetworkPolicy self-test could not finish; isolation is unverified", metadata: ["why": "\(why)"])
        }
    }
}

struct ProbeTimeout: Error, CustomStringConvertible {
    var description: String
}
