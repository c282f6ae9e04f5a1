/// A Pod: the fields the operator writes (spec) and reads (status).
public struct Pod: KubernetesResource, Equatable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true)
    public var apiVersion: String? = "v1"
    public var kind: String? = "Pod"
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?

    public init(metadata: ObjectMeta, spec: PodSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct PodSpec: Codable, Sendable, Equatable {
    public var containers: [Container]
    public var restartPolicy: String?
    public var nodeName: String?
    public var nodeSelector: [String: String]?
    public var affinity: JSONValue?
    public var tolerations: [Toleration]?
    public var activeDeadlineSeconds: Int64?
    public var terminationGracePeriodSeconds: Int64?
    public var securityContext: PodSecurityContext?
    public var automountServiceAccountToken: Bool?
    public var enableServiceLinks: Bool?
    public var runtimeClassName: String?
    public var hostNetwork: Bool?
    public var hostPID: Bool?
    public var hostIPC: Bool?
    public var volumes: [JSONValue]?

    public init(containers: [Container]) { self.containers = containers }
}

public struct Container: Codable, Sendable, Equatable {
    public var name: String
    public var image: String?
    public var imagePullPolicy: String?
    public var command: [String]?
    public var args: [String]?
    public var env: [EnvVar]?
    public var envFrom: [EnvFromSource]?
    public var ports: [ContainerPort]?
    public var resources: ResourceRequirements?
    public var securityContext: SecurityContext?

    public init(name: String, image: String?) {
        self.name = name
        self.image = image
    }
}

public struct EnvVar: Codable, Sendable, Equatable {
    public var name: String
    public var value: String?
    public var valueFrom: ValueFrom?

    public struct ValueFrom: Codable, Sendable, Equatable {
        public var secretKeyRef: KeyRef?
        public var configMapKeyRef: KeyRef?
        public init(secretKeyRef: KeyRef? = nil, configMapKeyRef: KeyRef? = nil) {
            self.secretKeyRef = secretKeyRef
            self.configMapKeyRef = configMapKeyRef
        }
    }

    public struct KeyRef: Codable, Sendable, Equatable {
        public var name: String
        public var key: String
        public var optional: Bool?
        public init(name: String, key: String, optional: Bool? = nil) {
            self.name = name
            self.key = key
            self.optional = optional
        }
    }

    public init(name: String, value: String? = nil, valueFrom: ValueFrom? = nil) {
        self.name = name
        self.value = value
        self.valueFrom = valueFrom
    }
}

/// Every key of a Secret or ConfigMap as an environment variable.
public struct EnvFromSource: Codable, Sendable, Equatable {
    public struct Reference: Codable, Sendable, Equatable {
        public var name: String
        public var optional: Bool?
        public init(name: String, optional: Bool? = nil) {
            self.name = name
            self.optional = optional
        }
    }

    public var secretRef: Reference?
    public var configMapRef: Reference?
    public var prefix: String?

    public init(secretRef: Reference? = nil, configMapRef: Reference? = nil, prefix: String? = nil) {
        self.secretRef = secretRef
        self.configMapRef = configMapRef
        self.prefix = prefix
    }
}

public struct ContainerPort: Codable, Sendable, Equatable {
    public var name: String?
    public var containerPort: Int
    public var `protocol`: String?
    public init(name: String? = nil, containerPort: Int, protocol: String? = "TCP") {
        self.name = name
        self.containerPort = containerPort
        self.protocol = `protocol`
    }
}

/// Quantities are kept as the strings Kubernetes uses ("500m", "2Gi").
public struct ResourceRequirements: Codable, Sendable, Equatable {
    public var requests: [String: String]?
    public var limits: [String: String]?
    public init(requests: [String: String]? = nil, limits: [String: String]? = nil) {
        self.requests = requests
        self.limits = limits
    }
}

public struct SecurityContext: Codable, Sendable, Equatable {
    public var allowPrivilegeEscalation: Bool?
    public var privileged: Bool?
    public var readOnlyRootFilesystem: Bool?
    public var runAsNonRoot: Bool?
    public var runAsUser: Int64?
    public var capabilities: Capabilities?
    public var seccompProfile: SeccompProfile?

    public struct Capabilities: Codable, Sendable, Equatable {
        public var add: [String]?
        public var drop: [String]?
        public init(add: [String]? = nil, drop: [String]? = nil) {
            self.add = add
            self.drop = drop
        }
    }

    public init() {}
}

public struct SeccompProfile: Codable, Sendable, Equatable {
    public var type: String
    public init(type: String) { self.type = type }
}

public struct PodSecurityContext: Codable, Sendable, Equatable {
    public var runAsNonRoot: Bool?
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var fsGroup: Int64?
    public var seccompProfile: SeccompProfile?
    public init() {}
}

public struct Toleration: Codable, Sendable, Equatable {
    public var key: String?
    public var `operator`: String?
    public var value: String?
    public var effect: String?
    public init(key: String?, operator: String?, value: String? = nil, effect: String?) {
        self.key = key
        self.operator = `operator`
        self.value = value
        self.effect = effect
    }
}

public struct PodStatus: Codable, Sendable, Equatable {
    public var phase: String?
    public var conditions: [Condition]?
    public var message: String?
    public var reason: String?
    public var hostIP: String?
    public var podIP: String?
    public var startTime: String?
    public var containerStatuses: [ContainerStatus]?

    public struct Condition: Codable, Sendable, Equatable {
        public var type: String
        public var status: String
        public var reason: String?
        public var message: String?
        public var lastTransitionTime: String?
        public init(type: String, status: String, reason: String? = nil, message: String? = nil, lastTransitionTime: String? = nil) {
            self.type = type
            self.status = status
            self.reason = reason
            self.message = message
            self.lastTransitionTime = lastTransitionTime
        }
    }

    public init(phase: String? = nil) { self.phase = phase }
}

/// One container's state as the kubelet reports it; only what the operator decides on.
public struct ContainerStatus: Codable, Sendable, Equatable {
    public var name: String
    public var state: ContainerState?
    public var ready: Bool?
    public var restartCount: Int32?
    public var image: String?
    /// The image the runtime pulled, by digest (e.g. docker.io/library/busybox@sha256:…).
    public var imageID: String?

    public init(name: String, state: ContainerState? = nil, ready: Bool? = nil, restartCount: Int32? = nil, image: String? = nil,
                imageID: String? = nil) {
        self.imageID = imageID
        self.name = name
        self.state = state
        self.ready = ready
        self.restartCount = restartCount
        self.image = image
    }
}

/// Exactly one of waiting, running or terminated is set.
public struct ContainerState: Codable, Sendable, Equatable {
    public var waiting: Waiting?
    public var running: Running?
    public var terminated: Terminated?

    public struct Waiting: Codable, Sendable, Equatable {
        public var reason: String?
        public var message: String?
        public init(reason: String? = nil, message: String? = nil) {
            self.reason = reason
            self.message = message
        }
    }

    public struct Running: Codable, Sendable, Equatable {
        public var startedAt: String?
        public init(startedAt: String? = nil) { self.startedAt = startedAt }
    }

    public struct Terminated: Codable, Sendable, Equatable {
        public var exitCode: Int32
        public var signal: Int32?
        public var reason: String?
        public var message: String?
        public var finishedAt: String?
        public init(exitCode: Int32, signal: Int32? = nil, reason: String? = nil, message: String? = nil, finishedAt: String? = nil) {
            self.exitCode = exitCode
            self.signal = signal
            self.reason = reason
            self.message = message
            self.finishedAt = finishedAt
        }
    }

    public init(waiting: Waiting? = nil, running: Running? = nil, terminated: Terminated? = nil) {
        self.waiting = waiting
        self.running = running
        self.terminated = terminated
    }
}
