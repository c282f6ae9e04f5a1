import Foundation
import NIOHTTP1

/// A server-side apply of a status part: identity, the optional version it depends on, and the part.
struct StatusApplyBody<S: Encodable>: Encodable {
    struct Meta: Encodable { var name: String; var namespace: String?; var resourceVersion: String? }
    var apiVersion: String
    var kind: String
    var metadata: Meta
    var status: S
}

/// How `delete` treats an object's dependents.
public enum PropagationPolicy: String, Codable, Sendable {
    case foreground = "Foreground"
    case background = "Background"
    case orphan = "Orphan"
}

struct DeleteOptions: Encodable {
    struct Preconditions: Encodable { var uid: String?; var resourceVersion: String? }
    var apiVersion = "v1"
    var kind = "DeleteOptions"
    var propagationPolicy: PropagationPolicy?
    var preconditions: Preconditions?
    var gracePeriodSeconds: Int?
}

extension KubernetesClient {
    /// PUT: replaces the object. Its `metadata.resourceVersion`, when set, makes this a compare-and-swap (409 on conflict).
    public func replace<R: KubernetesResource>(_ object: R) async throws -> R {
        try await decoded(send(.PUT, R.descriptor.path(namespace: object.metadata.namespace, name: try name(of: object)), body: encoded(object)))
    }

    /// PUT on the status subresource: only `status` is written, and `metadata.resourceVersion` guards it.
    public func replaceStatus<R: KubernetesResource>(_ object: R) async throws -> R {
        let path = R.descriptor.path(namespace: object.metadata.namespace, name: try name(of: object), subresource: "status")
        return try await decoded(send(.PUT, path, body: encoded(object)))
    }

    public func patch<R: KubernetesResource>(
        _: R.Type = R.self, name: String, namespace: String? = nil, _ patch: Patch, subresource: String? = nil
    ) async throws -> R {
        let path = R.descriptor.path(namespace: namespace, name: name, subresource: subresource)
        return try await decoded(send(.PATCH, path, query: patch.query, body: patch.body(), contentType: patch.contentType))
    }

    /// Server-side apply of our full intent for `object` as `fieldManager`.
    public func apply<R: KubernetesResource>(_ object: R, fieldManager: String, force: Bool = true) async throws -> R {
        try await patch(R.self, name: try name(of: object), namespace: object.metadata.namespace,
                        .apply(encoding: object, fieldManager: fieldManager, force: force))
    }

    /// Server-side apply on the status subresource: `status` is all of `fieldManager`'s part of the
    /// object's status, and nothing else, so a field it leaves out that it alone owned is removed
    /// and fields other managers own are untouched. `resourceVersion` makes the write conditional
    /// (409 on conflict), for a writer whose new value depends on the version it read.
    public func applyStatus<R: KubernetesResource, S: Encodable & Sendable>(
        _: R.Type, name: String, namespace: String? = nil, status: S, resourceVersion: String? = nil,
        fieldManager: String, force: Bool = true
    ) async throws -> R {
        // Only what the apply is about: sending spec to /status would be ignored, but noted as ours.
        let body = StatusApplyBody(apiVersion: R.descriptor.apiVersion, kind: R.descriptor.kind,
                        metadata: .init(name: name, namespace: namespace, resourceVersion: resourceVersion), status: status)
        return try await patch(R.self, name: name, namespace: namespace,
                               .apply(encoding: body, fieldManager: fieldManager, force: force), subresource: "status")
    }

    /// Deletes with optional preconditions so we never delete a newer incarnation of the object.
    public func delete<R: KubernetesResource>(
        _: R.Type = R.self, name: String, namespace: String? = nil,
        propagation: PropagationPolicy? = nil, preconditionUID: String? = nil, preconditionResourceVersion: String? = nil,
        gracePeriodSeconds: Int? = nil
    ) async throws {
        var options = DeleteOptions(propagationPolicy: propagation, gracePeriodSeconds: gracePeriodSeconds)
        if preconditionUID != nil || preconditionResourceVersion != nil {
            options.preconditions = .init(uid: preconditionUID, resourceVersion: preconditionResourceVersion)
        }
        _ = try await send(.DELETE, R.descriptor.path(namespace: namespace, name: name), body: encoded(options))
    }

    /// Every object of a kind, following `continue` tokens page by page.
    public func listAll<R: KubernetesResource>(
        _: R.Type = R.self, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil, pageSize: Int = 500
    ) async throws -> [R] {
        var items: [R] = []
        var token: String?
        repeat {
            let page = try await list(R.self, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                                      limit: pageSize, continueToken: token)
            items += page.items
            token = page.metadata.continue.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return items
    }

    private func name<R: KubernetesResource>(of object: R) throws -> String {
        guard let name = object.metadata.name, !name.isEmpty else {
            throw KubernetesError(statusCode: 0, status: APIStatus(message: "the object has no metadata.name", reason: "Invalid"),
                                  method: "-", path: R.descriptor.path())
        }
        return name
    }

    func decoded<T: Decodable>(_ bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(bytes))
    }

    func encoded<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try KubeJSON.encoder.encode(value))
    }
}
