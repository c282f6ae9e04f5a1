import Foundation
import Yams

/// Where the apiserver is and how to prove who we are to it.
public struct ClusterConnection: Sendable {
    public var server: URL
    /// PEM bundle that the apiserver's certificate must chain to; nil means the system store.
    public var certificateAuthorityPEM: [UInt8]?
    public var insecureSkipTLSVerify: Bool
    public var credentials: Credentials

    public enum Credentials: Sendable {
        case none
        case bearerToken(String)
        /// Service-account tokens rotate; the file is re-read when it changes.
        case bearerTokenFile(String)
        case clientCertificate(certificatePEM: [UInt8], keyPEM: [UInt8])
    }

    public init(server: URL, certificateAuthorityPEM: [UInt8]?, insecureSkipTLSVerify: Bool = false, credentials: Credentials) {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.credentials = credentials
    }
}

extension ClusterConnection {
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The in-cluster configuration: the pod's service-account token and CA, and the
    /// apiserver address Kubernetes injects into every pod's environment.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String = serviceAccountDirectory
    ) throws -> ClusterConnection {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"] else {
            throw KubeConfigError.notInCluster
        }
        let tokenPath = directory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeConfigError.unreadableFile(tokenPath, purpose: "service-account token")
        }
        let caPath = directory + "/ca.crt"
        guard let ca = FileManager.default.contents(atPath: caPath) else {
            throw KubeConfigError.unreadableFile(caPath, purpose: "cluster CA bundle")
        }
        // An IPv6 service host must be bracketed inside a URL.
        let hostPart = host.contains(":") ? "[\(host)]" : host
        guard let url = URL(string: "https://\(hostPart):\(port)") else {
            throw KubeConfigError.invalidServer("\(host):\(port)")
        }
        return ClusterConnection(server: url, certificateAuthorityPEM: Array(ca), credentials: .bearerTokenFile(tokenPath))
    }

    /// Loads the current context of a kubeconfig file (or of `context` when given).
    public static func kubeconfig(path: String, context: String? = nil) throws -> ClusterConnection {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeConfigError.unreadableFile(path, purpose: "kubeconfig")
        }
        let baseDirectory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try kubeconfig(yaml: String(decoding: data, as: UTF8.self), context: context, baseDirectory: baseDirectory)
    }

    public static func kubeconfig(yaml: String, context: String? = nil, baseDirectory: String) throws -> ClusterConnection {
        let file: KubeConfigFile
        do {
            file = try YAMLDecoder().decode(KubeConfigFile.self, from: yaml)
        } catch {
            throw KubeConfigError.malformed("\(error)")
        }
        if file.clusters == nil, file.contexts == nil {
            throw KubeConfigError.malformed("it defines no clusters and no contexts")
        }
        guard let contextName = context ?? file.currentContext, !contextName.isEmpty else {
            throw KubeConfigError.noCurrentContext
        }
        guard let ctx = file.contexts?.first(where: { $0.name == contextName })?.context else {
            throw KubeConfigError.missingEntry(kind: "context", name: contextName)
        }
        guard let cluster = file.clusters?.first(where: { $0.name == ctx.cluster })?.cluster else {
            throw KubeConfigError.missingEntry(kind: "cluster", name: ctx.cluster)
        }
        guard let server = URL(string: cluster.server), server.scheme == "https" || server.scheme == "http" else {
            throw KubeConfigError.invalidServer(cluster.server)
        }
        let resolve = { (path: String) in path.hasPrefix("/") ? path : baseDirectory + "/" + path }
        let ca = try pem(inline: cluster.certificateAuthorityData, file: cluster.certificateAuthority.map(resolve), what: "certificate-authority")

        var credentials = Credentials.none
        if let userName = ctx.user {
            guard let user = file.users?.first(where: { $0.name == userName })?.user else {
                throw KubeConfigError.missingEntry(kind: "user", name: userName)
            }
            if let token = user.token, !token.isEmpty {
                credentials = .bearerToken(token)
            } else if let tokenFile = user.tokenFile {
                credentials = .bearerTokenFile(resolve(tokenFile))
            } else if let cert = try pem(inline: user.clientCertificateData, file: user.clientCertificate.map(resolve), what: "client-certificate") {
                guard let key = try pem(inline: user.clientKeyData, file: user.clientKey.map(resolve), what: "client-key") else {
                    throw KubeConfigError.malformed("user \(userName) has a client certificate but no client key")
                }
                credentials = .clientCertificate(certificatePEM: cert, keyPEM: key)
            } else if user.exec != nil || user.authProvider != nil {
                throw KubeConfigError.unsupportedAuth(user: userName)
            }
        }
        return ClusterConnection(
            server: server,
            certificateAuthorityPEM: ca,
            insecureSkipTLSVerify: cluster.insecureSkipTLSVerify ?? false,
            credentials: credentials
        )
    }

    /// In-cluster when running in a pod, else `$KUBECONFIG`, else `~/.kube/config`.
    public static func automatic(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClusterConnection {
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            return try inCluster(environment: environment)
        }
        let path = environment["KUBECONFIG"]?.split(separator: ":").first.map(String.init)
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.kube/config"
        guard FileManager.default.fileExists(atPath: path) else { throw KubeConfigError.nothingUsable(triedKubeconfig: path) }
        return try kubeconfig(path: path)
    }

    private static func pem(inline base64: String?, file: String?, what: String) throws -> [UInt8]? {
        if let base64 {
            guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw KubeConfigError.malformed("\(what)-data is not valid base64")
            }
            return Array(data)
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw KubeConfigError.unreadableFile(file, purpose: what)
            }
            return Array(data)
        }
        return nil
    }
}

/// The parts of a kubeconfig file we read; kubectl's own format.
struct KubeConfigFile: Decodable {
    struct NamedCluster: Decodable { var name: String; var cluster: Cluster }
    struct Cluster: Decodable {
        var server: String
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool?
        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        }
    }
    struct NamedContext: Decodable { var name: String; var context: Context }
    struct Context: Decodable { var cluster: String; var user: String?; var namespace: String? }
    struct NamedUser: Decodable { var name: String; var user: User }
    struct User: Decodable {
        var token: String?
        var tokenFile: String?
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var exec: AnyDecodable?
        var authProvider: AnyDecodable?
        enum CodingKeys: String, CodingKey {
            case token, exec
            case tokenFile = "tokenFile"
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case authProvider = "auth-provider"
        }
    }
    /// Present-or-absent marker for sections whose content we do not interpret.
    struct AnyDecodable: Decodable { init(from decoder: any Decoder) throws {} }

    var clusters: [NamedCluster]?
    var contexts: [NamedContext]?
    var users: [NamedUser]?
    var currentContext: String?
    enum CodingKeys: String, CodingKey {
        case clusters, contexts, users
        case currentContext = "current-context"
    }
}
