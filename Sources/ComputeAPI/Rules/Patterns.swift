/// The regular expressions the schema enforces. Each is anchored and written in the common
/// subset of Go's RE2 (the apiserver) and ICU (Swift's validator), so both sides agree.
public enum Patterns {
    /// A Nostr public key or event id: 32 bytes as lowercase hex, the form events carry.
    public static let hex64 = "^[0-9a-f]{64}$"

    /// A Kubernetes resource quantity without a sign: "500m", "2", "1.5", "16Gi", "1e3".
    public static let quantity =
        #"^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"#

    /// An IPv4 range (a.b.c.d/0-32) or an IPv6 range (hex groups and colons, /0-128); the
    /// operator checks the address itself again before using it.
    public static let cidr =
        #"^((([0-9]{1,3}\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2]))|([0-9a-fA-F]*:[0-9a-fA-F:.]*/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])))$"#

    /// An IPv4 or IPv6 address, loosely; checked again before use.
    public static let ipAddress = #"^((([0-9]{1,3}\.){3}[0-9]{1,3})|([0-9a-fA-F]*:[0-9a-fA-F:.]*))$"#

    /// A relay address: ws:// or wss://, a host, an optional path; no spaces.
    public static let relayURL = #"^wss?://[^\s/?#]+(/[^\s]*)?$"#

    /// An http(s) base URL, as Cashu mints are named.
    public static let httpURL = #"^https?://[^\s/?#]+(/[^\s]*)?$"#

    /// A container image reference; the registry and tag rules are the runtime's, this only refuses blanks.
    public static let imageReference = #"^[^\s]+$"#

    /// A registry host with an optional port and repository prefix: "ghcr.io", "registry.local:5000/team".
    public static let registryPrefix = #"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]([-a-z0-9._/]*[a-z0-9])?)?$"#

    /// A workload category: lower-case words of letters and digits joined by single dashes
    /// ("inference", "ci-build"); at most 32 characters (the schema's maxLength).
    public static let workloadCategory = "^[a-z0-9]+(-[a-z0-9]+)*$"

    /// A label value (also what a GPU model must look like to be matched against node labels).
    public static let labelValue = #"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"#

    /// A label key such as "nvidia.com/gpu.product": optional DNS prefix and a name.
    public static let labelKey =
        #"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"#

    /// A DNS label (RFC 1123), what namespace names must be.
    public static let dnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"

    /// A lease's own private-environment Secret: `<lease name>-env` (the operator checks the lease name).
    public static let leaseEnvSecretName = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?-env$"

    /// An object name that is a DNS subdomain (Secrets, RuntimeClasses).
    public static let dnsSubdomain = #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#

    /// An environment variable name as Kubernetes accepts it.
    public static let envVarName = "^[-._a-zA-Z][-._a-zA-Z0-9]*$"

    /// An IANA service name, which is what a container port name must be.
    public static let portName = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"

    /// A condition type, as `metav1.Condition` restricts it.
    public static let conditionType =
        #"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"#

    /// A machine-readable reason in CamelCase, as `metav1.Condition` restricts it.
    public static let reason = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"
}
