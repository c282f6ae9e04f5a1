import Foundation

/// A Namespace; its spec and status are not interpreted here.
public struct Namespace: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false)
    public var apiVersion: String? = "v1"
    public var kind: String? = "Namespace"
    public var metadata: ObjectMeta
    public var status: Status?

    public struct Status: Codable, Sendable, Equatable {
        public var phase: String?
    }

    public init(metadata: ObjectMeta) {
        self.metadata = metadata
    }
}

public struct ConfigMap: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true)
    public var apiVersion: String? = "v1"
    public var kind: String? = "ConfigMap"
    public var metadata: ObjectMeta
    public var data: [String: String]?
    public var binaryData: [String: String]?
    public var immutable: Bool?

    public init(metadata: ObjectMeta, data: [String: String]? = nil) {
        self.metadata = metadata
        self.data = data
    }
}

public struct Secret: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true)
    public var apiVersion: String? = "v1"
    public var kind: String? = "Secret"
    public var metadata: ObjectMeta
    public var type: String?
    /// Base64-encoded values, as on the wire.
    public var data: [String: String]?
    /// Write-only convenience: plain values the apiserver encodes into `data`.
    public var stringData: [String: String]?
    public var immutable: Bool?

    public init(metadata: ObjectMeta, type: String? = "Opaque", data: [String: String]? = nil, stringData: [String: String]? = nil) {
        self.metadata = metadata
        self.type = type
        self.data = data
        self.stringData = stringData
    }

    /// The decoded bytes of one key.
    public func value(_ key: String) -> [UInt8]? {
        data?[key].flatMap { Data(base64Encoded: $0) }.map(Array.init)
    }
}

/// A Kubernetes Event: what `kubectl describe` shows under "Events".
public struct Event: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", plural: "events", kind: "Event", namespaced: true)
    public var apiVersion: String? = "v1"
    public var kind: String? = "Event"
    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference
    public var reason: String?
    public var message: String?
    /// "Normal" or "Warning".
    public var type: String?
    public var source: Source?
    public var firstTimestamp: String?
    public var lastTimestamp: String?
    public var count: Int?
    public var reportingComponent: String?

    public struct Source: Codable, Sendable, Equatable {
        public var component: String?
        public init(component: String?) { self.component = component }
    }

    public init(metadata: ObjectMeta, involvedObject: ObjectReference, reason: String, message: String, type: String) {
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.type = type
    }
}

public struct ObjectReference: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var name: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?

    public init(apiVersion: String? = nil, kind: String? = nil, name: String? = nil, namespace: String? = nil, uid: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.uid = uid
    }
}

/// coordination.k8s.io Lease: the lock behind leader election.
public struct Lease: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true)
    public var apiVersion: String? = "coordination.k8s.io/v1"
    public var kind: String? = "Lease"
    public var metadata: ObjectMeta
    public var spec: Spec?

    public struct Spec: Codable, Sendable, Equatable {
        public var holderIdentity: String?
        public var leaseDurationSeconds: Int?
        /// RFC 3339 with microseconds (MicroTime).
        public var acquireTime: String?
        public var renewTime: String?
        public var leaseTransitions: Int?
        public init(holderIdentity: String? = nil, leaseDurationSeconds: Int? = nil, acquireTime: String? = nil, renewTime: String? = nil, leaseTransitions: Int? = nil) {
            self.holderIdentity = holderIdentity
            self.leaseDurationSeconds = leaseDurationSeconds
            self.acquireTime = acquireTime
            self.renewTime = renewTime
            self.leaseTransitions = leaseTransitions
        }
    }

    public init(metadata: ObjectMeta, spec: Spec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// Any object, kept as JSON: for kinds we do not model, and for read-modify-write of objects
/// whose fields we must carry back unchanged.
public struct DynamicObject: Codable, Sendable, Equatable {
    public var metadata: ObjectMeta
    public var fields: [String: JSONValue]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        metadata = try container.decode(ObjectMeta.self, forKey: Key(stringValue: "metadata"))
        var fields: [String: JSONValue] = [:]
        for key in container.allKeys where key.stringValue != "metadata" {
            fields[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
        }
        self.fields = fields
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(metadata, forKey: Key(stringValue: "metadata"))
        for (key, value) in fields { try container.encode(value, forKey: Key(stringValue: key)) }
    }
}
