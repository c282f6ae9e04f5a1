/// Why a lease cannot be turned into Kubernetes objects. Each says what is wrong in words an
/// operator (and, relayed, a tenant) can act on; none ever quotes a secret value.
///
/// Equality compares the kind of failure and its subject, so tests and callers can match on it.
public struct WorkloadBuildError: Error, CustomStringConvertible, Equatable, Sendable {
    private enum Code: Equatable, Sendable {
        case invalidLeaseName(String)
        case missingLeaseUID(String)
        case invalidTenant
        case invalidImage
        case invalidQuantity(field: String, text: String)
        case invalidGPUCount(Int)
        case gpuModelWithoutGPUs(String)
        case missingGPUNodeLabelKey
        case invalidGPUNodeLabelKey(String)
        case invalidGPUModel(String)
        case invalidDuration(Int)
        case invalidPort(Int)
        case duplicatePort(Int, String)
        case invalidPortName(String)
        case duplicatePortName(String)
        case invalidEnvVarName(String)
        case invalidSecretKey(String)
        case missingEnvSecret(String)
        case foreignEnvSecret(String, expected: String)
        case invalidRuntimeClass(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    public static func invalidLeaseName(_ name: String) -> Self { .init(.invalidLeaseName(name)) }
    public static func missingLeaseUID(_ name: String) -> Self { .init(.missingLeaseUID(name)) }
    public static let invalidTenant = Self(.invalidTenant)
    public static let invalidImage = Self(.invalidImage)
    public static func invalidQuantity(field: String, text: String) -> Self { .init(.invalidQuantity(field: field, text: text)) }
    public static func invalidGPUCount(_ count: Int) -> Self { .init(.invalidGPUCount(count)) }
    public static func gpuModelWithoutGPUs(_ model: String) -> Self { .init(.gpuModelWithoutGPUs(model)) }
    public static let missingGPUNodeLabelKey = Self(.missingGPUNodeLabelKey)
    public static func invalidGPUNodeLabelKey(_ key: String) -> Self { .init(.invalidGPUNodeLabelKey(key)) }
    public static func invalidGPUModel(_ model: String) -> Self { .init(.invalidGPUModel(model)) }
    public static func invalidDuration(_ seconds: Int) -> Self { .init(.invalidDuration(seconds)) }
    public static func invalidPort(_ port: Int) -> Self { .init(.invalidPort(port)) }
    public static func duplicatePort(_ port: Int, protocol: String) -> Self { .init(.duplicatePort(port, `protocol`)) }
    public static func invalidPortName(_ name: String) -> Self { .init(.invalidPortName(name)) }
    public static func duplicatePortName(_ name: String) -> Self { .init(.duplicatePortName(name)) }
    public static func invalidEnvVarName(_ name: String) -> Self { .init(.invalidEnvVarName(name)) }
    public static func invalidSecretKey(_ key: String) -> Self { .init(.invalidSecretKey(key)) }
    public static func missingEnvSecret(_ reference: String) -> Self { .init(.missingEnvSecret(reference)) }
    public static func foreignEnvSecret(_ reference: String, expected: String) -> Self { .init(.foreignEnvSecret(reference, expected: expected)) }
    public static func invalidRuntimeClass(_ name: String) -> Self { .init(.invalidRuntimeClass(name)) }

    public var description: String {
        switch code {
        case let .invalidLeaseName(name):
            return "lease name '\(name)' cannot name a namespace: '\(LeaseWorkloadBuilder.namespaceName(forLease: name))' must be "
                + "a DNS label (lowercase letters, digits and '-', at most 63 characters), so the lease name may have at most "
                + "\(63 - LeaseWorkloadBuilder.namespacePrefix.count) characters and no dots"
        case let .missingLeaseUID(name):
            return "lease '\(name)' has no uid yet; build its workload from the object as read from the apiserver, "
                + "since every child object names the lease by uid as its owner"
        case .invalidTenant:
            return "the tenant public key does not start with 16 characters usable as a label value (expected 64 lowercase hex characters)"
        case .invalidImage:
            return "the image reference is empty or contains whitespace"
        case let .invalidQuantity(field, text):
            return "\(field) '\(text)' is not a positive Kubernetes quantity (e.g. 500m, 2, 8Gi)"
        case let .invalidGPUCount(count):
            return "spec.resources.gpus is \(count); it must be 0 or more"
        case let .gpuModelWithoutGPUs(model):
            return "spec.resources.gpuModel is '\(model)' but spec.resources.gpus is 0; a GPU model needs at least one GPU"
        case .missingGPUNodeLabelKey:
            return "the lease asks for GPUs but the provider's gpuNodeLabelKey is empty, so GPU nodes cannot be told apart; "
                + "set spec.gpuNodeLabelKey of the ComputeProvider (nvidia.com/gpu.product by default)"
        case let .invalidGPUNodeLabelKey(key):
            return "the provider's gpuNodeLabelKey '\(key)' is not a valid label key"
        case let .invalidGPUModel(model):
            return "spec.resources.gpuModel '\(model)' is not a valid label value (at most 63 letters, digits, '-', '_' and '.')"
        case let .invalidDuration(seconds):
            return "spec.durationSeconds is \(seconds); it must be at least 1"
        case let .invalidPort(port):
            return "port \(port) is outside 1...65535"
        case let .duplicatePort(port, proto):
            return "port \(port)/\(proto) is declared twice"
        case let .invalidPortName(name):
            return "port name '\(name)' is not an IANA service name (at most 15 lowercase letters, digits and single '-', with at least one letter)"
        case let .duplicatePortName(name):
            return "port name '\(name)' is used by two ports (unnamed ports are called <protocol>-<port>, e.g. tcp-8080)"
        case let .invalidEnvVarName(name):
            return "environment variable name '\(name)' is invalid (letters, digits, '-', '_' and '.', not starting with a digit)"
        case let .invalidSecretKey(key):
            return "the env Secret has a key '\(key)' that is not a valid Secret key or environment variable name"
        case let .missingEnvSecret(reference):
            return "the lease takes its private environment from Secret \(reference), but its data was not supplied "
                + "(the Secret is missing or not owned by this lease); the workload is not started without it"
        case let .foreignEnvSecret(reference, expected):
            return "the lease names Secret \(reference) for its private environment, but a lease may only use its own, '\(expected)', "
                + "which the provider writes for it; no other Secret is ever copied into a tenant's pod"
        case let .invalidRuntimeClass(name):
            return "the provider's runtimeClassName '\(name)' is not a valid RuntimeClass name (a DNS subdomain)"
        }
    }
}
