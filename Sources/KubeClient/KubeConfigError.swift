/// Why no usable connection to a cluster could be configured.
public struct KubeConfigError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case notInCluster
        case unreadableFile(path: String, purpose: String)
        case malformed(String)
        case noCurrentContext
        case missingEntry(kind: String, name: String)
        case invalidServer(String)
        case unsupportedAuth(user: String)
        case nothingUsable(triedKubeconfig: String)
    }

    private let code: Code

    public static let notInCluster = KubeConfigError(code: .notInCluster)
    public static let noCurrentContext = KubeConfigError(code: .noCurrentContext)
    public static func unreadableFile(_ path: String, purpose: String) -> Self { .init(code: .unreadableFile(path: path, purpose: purpose)) }
    public static func malformed(_ detail: String) -> Self { .init(code: .malformed(detail)) }
    public static func missingEntry(kind: String, name: String) -> Self { .init(code: .missingEntry(kind: kind, name: name)) }
    public static func invalidServer(_ server: String) -> Self { .init(code: .invalidServer(server)) }
    public static func unsupportedAuth(user: String) -> Self { .init(code: .unsupportedAuth(user: user)) }
    public static func nothingUsable(triedKubeconfig: String) -> Self { .init(code: .nothingUsable(triedKubeconfig: triedKubeconfig)) }

    public var description: String {
        switch code {
        case .notInCluster:
            return "not running in a pod: KUBERNETES_SERVICE_HOST/PORT are not set"
        case let .unreadableFile(path, purpose):
            return "cannot read the \(purpose) at \(path)"
        case let .malformed(detail):
            return "the kubeconfig is malformed: \(detail)"
        case .noCurrentContext:
            return "the kubeconfig has no current-context; pass a context name or run 'kubectl config use-context NAME'"
        case let .missingEntry(kind, name):
            return "the kubeconfig names \(kind) '\(name)' but does not define it"
        case let .invalidServer(server):
            return "the apiserver address '\(server)' is not an http(s) URL"
        case let .unsupportedAuth(user):
            return "user '\(user)' authenticates with an exec plugin or auth-provider, which is not supported; use a token or client certificate"
        case let .nothingUsable(path):
            return "no cluster configuration: not in a pod (KUBERNETES_SERVICE_HOST unset) and no kubeconfig at \(path); set KUBECONFIG or pass --kubeconfig"
        }
    }
}
