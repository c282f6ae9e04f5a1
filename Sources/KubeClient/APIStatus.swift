/// The apiserver's `Status` object: what it says when a request fails (and inside watch ERROR events).
public struct APIStatus: Codable, Sendable, Equatable {
    public var status: String?
    public var message: String?
    public var reason: String?
    public var code: Int?
    public var details: Details?

    public struct Details: Codable, Sendable, Equatable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var causes: [Cause]?
    }

    public struct Cause: Codable, Sendable, Equatable {
        public var reason: String?
        public var message: String?
        public var field: String?
    }

    public init(status: String? = nil, message: String? = nil, reason: String? = nil, code: Int? = nil, details: Details? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
        self.details = details
    }
}

/// A request the apiserver refused or could not serve, with its decoded `Status` when it sent one.
public struct KubernetesError: Error, CustomStringConvertible {
    public let statusCode: Int
    public let status: APIStatus?
    public let method: String
    public let path: String

    public init(statusCode: Int, status: APIStatus?, method: String, path: String) {
        self.statusCode = statusCode
        self.status = status
        self.method = method
        self.path = path
    }

    public var reason: String? { status?.reason }
    /// Optimistic-concurrency or create-collision: re-read and retry.
    public var isConflict: Bool { statusCode == 409 && reason != "AlreadyExists" }
    public var isAlreadyExists: Bool { statusCode == 409 && reason == "AlreadyExists" }
    public var isNotFound: Bool { statusCode == 404 }
    /// The resourceVersion we asked for is older than etcd keeps: list again.
    public var isGone: Bool { statusCode == 410 || reason == "Expired" || reason == "Gone" }
    public var isForbidden: Bool { statusCode == 403 }
    /// Refused by ResourceQuota admission (a 403 whose message the quota plugin words this way).
    public var isQuotaExceeded: Bool { statusCode == 403 && (status?.message?.contains("exceeded quota") ?? false) }

    public var description: String {
        let detail = status?.message ?? "no Status body"
        return "\(method) \(path): HTTP \(statusCode)\(reason.map { " \($0)" } ?? ""): \(detail)"
    }
}
