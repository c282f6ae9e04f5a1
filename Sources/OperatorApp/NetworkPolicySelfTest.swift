import KubeClient
import Logging
import Operator
import ServiceLifecycle

/// Runs the NetworkPolicy self-test once after start-up, from the operator's own Pod (its image
/// and node). Outside a Pod (a binary on a laptop, the integration tests) there is nothing to
/// run the probes from, and it says so. Its end does not end the operator.
public struct NetworkPolicySelfTest: ServiceLifecycle.Service, Sendable {
    let client: KubernetesClient
    let podName: String?
    let namespace: String?
    let logger: Logger

    public init(client: KubernetesClient, podName: String?, namespace: String?, logger: Logger) {
        self.client = client
        self.podName = podName
        self.namespace = namespace
        self.logger = logger
    }

    public func run() async throws {
        guard let podName, let namespace else {
            logger.info("NetworkPolicy self-test skipped: not running in a Pod (POD_NAME and POD_NAMESPACE unset)")
            return
        }
        let own: Pod
        do {
            own = try await client.get(Pod.self, name: podName, namespace: namespace)
        } catch {
            logger.warning("NetworkPolicy self-test skipped: cannot read the operator's own Pod", metadata: ["error": "\(error)"])
            return
        }
        let container = own.spec?.containers.first { $0.name == "operator" } ?? own.spec?.containers.first
        guard let image = container?.image, let node = own.spec?.nodeName else {
            logger.warning("NetworkPolicy self-test skipped: the operator's Pod names no image or node")
            return
        }
        // The pod name's random suffix keeps replicas' probes apart and within name limits.
        let instance = String(podName.split(separator: "-").last ?? "x").lowercased()
        let plan = NetworkPolicyProbePlan(namespace: namespace, image: image, node: node, instance: instance,
                                          owner: own.metadata.uid.map { NetworkPolicyProbePlan.owner(podName: podName, uid: $0) })
        let probe = NetworkPolicyProbe(plan: plan, client: client, logger: logger)
        await cancelWhenGracefulShutdown { await probe.run() }
    }
}
