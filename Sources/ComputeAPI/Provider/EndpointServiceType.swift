/// How lease ports are exposed outside the cluster.
public enum EndpointServiceType: String, Codable, Sendable, CaseIterable {
    /// A port on every node; endpoints are node addresses. Works on any cluster.
    case nodePort = "NodePort"
    /// A cloud or MetalLB load balancer per lease; endpoints are its ingress address.
    case loadBalancer = "LoadBalancer"
}
