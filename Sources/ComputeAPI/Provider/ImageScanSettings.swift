/// The provider's image scanner: before a paid lease's workload is created, its image is resolved
/// to a digest and the scanner at `url` is asked about that digest; "deny" ends the lease with
/// PolicyViolation, "allow" is remembered per digest and the workload runs that digest.
public struct ImageScanSettings: Codable, Sendable, Equatable {
    /// Where the operator POSTs {"image": "repo@sha256:…", …} and reads {"verdict": "allow"|"deny", "reason": …}.
    public var url: String
    /// How long one scan may take (pulling and scanning a large image takes minutes).
    public var timeoutSeconds: Int
    /// Registries whose digests are looked up over plain HTTP instead of HTTPS (a test bed's
    /// registry on loopback; never a registry reached over a network).
    public var plainHTTPRegistries: [String]?

    public init(url: String, timeoutSeconds: Int = ComputeDefaults.imageScanTimeoutSeconds, plainHTTPRegistries: [String]? = nil) {
        self.url = url
        self.timeoutSeconds = timeoutSeconds
        self.plainHTTPRegistries = plainHTTPRegistries
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? ComputeDefaults.imageScanTimeoutSeconds
        plainHTTPRegistries = try container.decodeIfPresent([String].self, forKey: .plainHTTPRegistries)
    }

    static let schema = Schema.object("The provider's image scanner, asked about each paid lease's image (resolved to its digest) "
        + "before its workload is created.", [
        .required("url", .string("The scanner's HTTP endpoint: POST {\"image\": \"<repository>@sha256:<digest>\", \"lease\", \"tenant\"}, "
            + "answered with {\"verdict\": \"allow\" or \"deny\", \"reason\": \"...\"}.").pattern(Patterns.httpURL).maxLength(512)),
        .optional("timeoutSeconds", .integer("How long one scan may take, in seconds.").range(1...3_600)
            .defaulting(.integer(Int64(ComputeDefaults.imageScanTimeoutSeconds)))),
        .optional("plainHTTPRegistries", .array(
            of: .string("A registry host with its port, e.g. 127.0.0.1:5000.").pattern(Patterns.registryPrefix).maxLength(253),
            "Registries whose image digests are looked up over plain HTTP (a test bed's loopback registry; never in production).")
            .maxItems(16).listSet()),
    ])
}
