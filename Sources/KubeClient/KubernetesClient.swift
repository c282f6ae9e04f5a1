import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A typed client for the Kubernetes REST API over async-http-client.
/// One instance per process; call `shutdown()` before it is released.
public final class KubernetesClient: Sendable {
    public let connection: ClusterConnection
    let http: HTTPClient
    private let tokens: BearerTokenSource
    let logger: Logger
    /// Ordinary requests; watches use their own, longer deadline.
    public let requestTimeout: TimeAmount

    public init(connection: ClusterConnection, logger: Logger = Logger(label: "ncn.kube"), requestTimeout: TimeAmount = .seconds(30)) throws {
        self.connection = connection
        self.tokens = BearerTokenSource(credentials: connection.credentials)
        self.logger = logger
        self.requestTimeout = requestTimeout

        var tls = TLSConfiguration.makeClientConfiguration()
        if connection.insecureSkipTLSVerify {
            tls.certificateVerification = .none
        } else if let ca = connection.certificateAuthorityPEM {
            // The system store would refuse a cluster's self-signed CA.
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
        }
        if case let .clientCertificate(certificatePEM, keyPEM) = connection.credentials {
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificatePEM).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: keyPEM, format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // A quiet watch must not be killed by a read timeout; watches carry their own deadline.
        configuration.timeout = .init(connect: .seconds(10), read: nil)
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async throws {
        try await http.shutdown()
    }

    // MARK: Typed verbs

    public func get<R: KubernetesResource>(_: R.Type = R.self, name: String, namespace: String? = nil) async throws -> R {
        try await decoded(send(.GET, R.descriptor.path(namespace: namespace, name: name)))
    }

    public func list<R: KubernetesResource>(
        _: R.Type = R.self,
        namespace: String? = nil,
        labelSelector: String? = nil,
        fieldSelector: String? = nil,
        limit: Int? = nil,
        continueToken: String? = nil
    ) async throws -> ResourceList<R> {
        var query: [(String, String)] = []
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        if let limit { query.append(("limit", String(limit))) }
        if let continueToken { query.append(("continue", continueToken)) }
        return try await decoded(send(.GET, R.descriptor.path(namespace: namespace), query: query))
    }

    public func create<R: KubernetesResource>(_ object: R) async throws -> R {
        try await decoded(send(.POST, R.descriptor.path(namespace: object.metadata.namespace), body: encoded(object)))
    }

    // MARK: Raw requests

    /// Sends one request and returns the body of a 2xx answer; anything else becomes a `KubernetesError`.
    public func send(
        _ method: HTTPMethod,
        _ path: String,
        query: [(String, String)] = [],
        body: [UInt8]? = nil,
        contentType: String = "application/json"
    ) async throws -> [UInt8] {
        let request = try makeRequest(method, path, query: query, body: body, contentType: contentType)
        APIRequestCount.record(verb: method.rawValue, path: path)
        let started = ContinuousClock.now
        let response = try await http.execute(request, timeout: requestTimeout, logger: logger)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        APIRequestCount.recordDuration(verb: method.rawValue, path: path, ContinuousClock.now - started)
        let payload = Array(bytes.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let status = try? JSONDecoder().decode(APIStatus.self, from: Data(payload))
            throw KubernetesError(statusCode: Int(response.status.code), status: status, method: method.rawValue, path: path)
        }
        return payload
    }

    /// Opens a watch and returns its body once the apiserver accepted it.
    func openWatch(
        _ path: String,
        resourceVersion: String,
        labelSelector: String?,
        fieldSelector: String?,
        timeoutSeconds: Int
    ) async throws -> HTTPClientResponse.Body.AsyncIterator {
        var query: [(String, String)] = [
            ("watch", "1"), ("resourceVersion", resourceVersion), ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", String(timeoutSeconds)),
        ]
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        let request = try makeRequest(.GET, path, query: query, body: nil, contentType: "application/json")
        APIRequestCount.record(verb: "WATCH", path: path)
        // This deadline covers only the response head; the streaming body is not cut by it.
        let response = try await http.execute(request, timeout: requestTimeout, logger: logger)
        guard response.status.code == 200 else {
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let status = try? JSONDecoder().decode(APIStatus.self, from: Data(bytes.readableBytesView))
            throw KubernetesError(statusCode: Int(response.status.code), status: status, method: "WATCH", path: path)
        }
        return response.body.makeAsyncIterator()
    }

    func makeRequest(
        _ method: HTTPMethod,
        _ path: String,
        query: [(String, String)],
        body: [UInt8]?,
        contentType: String
    ) throws -> HTTPClientRequest {
        var components = URLComponents()
        components.path = path
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        // URLComponents leaves '+' alone, but the apiserver reads it as a space in selectors.
        let suffix = (components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")).map { "?" + $0 } ?? ""
        let base = connection.server.absoluteString.hasSuffix("/") ? String(connection.server.absoluteString.dropLast()) : connection.server.absoluteString
        var request = HTTPClientRequest(url: base + components.percentEncodedPath + suffix)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ncn-operator")
        if let token = try tokens.current() {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

}
