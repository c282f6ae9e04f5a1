/// What the provider lets tenants run. Requests outside it are not bid on.
public struct WorkloadPolicy: Codable, Sendable, Equatable {
    /// Registry prefixes images must start with; nil or empty allows any registry.
    public var allowedRegistries: [String]?
    public var portRange: PortRange
    public var maxDurationSeconds: Int
    public var blockedTenants: [String]?
    public var maxGPUsPerLease: Int
    /// Run every lease as non-root (`runAsNonRoot`, Pod Security `restricted`). Off by default:
    /// most public images, CUDA bases among them, run as root and would fail after being paid for.
    public var requireNonRoot: Bool
    public var egress: EgressSettings
    /// Local disk a lease gets (request = limit) when its request names no `disk`, so a disk fill
    /// stays within its lease.
    public var ephemeralStoragePerLease: Quantity
    /// The most local disk one request may ask for; more is refused with a policy error.
    public var maxEphemeralStoragePerLease: Quantity
    /// Workload categories this provider runs; a request must name one. Nil or empty: any workload.
    public var categories: [String]?
    /// Publishers (hex pubkeys) whose blocklist sets and abuse reports on the provider's relays
    /// this provider follows: the tenants and images they list are refused (draft §11.1).
    public var blocklistPublishers: [String]?
    /// The provider's image scanner; nil runs images unscanned.
    public var imageScan: ImageScanSettings?

    public init(
        allowedRegistries: [String]? = nil, portRange: PortRange = PortRange(), maxDurationSeconds: Int = ComputeDefaults.maxDurationSeconds,
        blockedTenants: [String]? = nil, maxGPUsPerLease: Int = ComputeDefaults.maxGPUsPerLease, requireNonRoot: Bool = false,
        egress: EgressSettings = EgressSettings(), ephemeralStoragePerLease: Quantity = ComputeDefaults.ephemeralStoragePerLease,
        maxEphemeralStoragePerLease: Quantity = ComputeDefaults.maxEphemeralStoragePerLease, categories: [String]? = nil,
        blocklistPublishers: [String]? = nil, imageScan: ImageScanSettings? = nil
    ) {
        self.imageScan = imageScan
        self.categories = categories
        self.blocklistPublishers = blocklistPublishers
        self.ephemeralStoragePerLease = ephemeralStoragePerLease
        self.maxEphemeralStoragePerLease = maxEphemeralStoragePerLease
        self.requireNonRoot = requireNonRoot
        self.egress = egress
        self.allowedRegistries = allowedRegistries
        self.portRange = portRange
        self.maxDurationSeconds = maxDurationSeconds
        self.blockedTenants = blockedTenants
        self.maxGPUsPerLease = maxGPUsPerLease
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        allowedRegistries = try container.decodeIfPresent([String].self, forKey: .allowedRegistries)
        portRange = try container.decodeIfPresent(PortRange.self, forKey: .portRange) ?? PortRange()
        maxDurationSeconds = try container.decodeIfPresent(Int.self, forKey: .maxDurationSeconds) ?? ComputeDefaults.maxDurationSeconds
        blockedTenants = try container.decodeIfPresent([String].self, forKey: .blockedTenants)
        maxGPUsPerLease = try container.decodeIfPresent(Int.self, forKey: .maxGPUsPerLease) ?? ComputeDefaults.maxGPUsPerLease
        requireNonRoot = try container.decodeIfPresent(Bool.self, forKey: .requireNonRoot) ?? false
        egress = try container.decodeIfPresent(EgressSettings.self, forKey: .egress) ?? EgressSettings()
        ephemeralStoragePerLease = try container.decodeIfPresent(Quantity.self, forKey: .ephemeralStoragePerLease)
            ?? ComputeDefaults.ephemeralStoragePerLease
        maxEphemeralStoragePerLease = try container.decodeIfPresent(Quantity.self, forKey: .maxEphemeralStoragePerLease)
            ?? ComputeDefaults.maxEphemeralStoragePerLease
        categories = try container.decodeIfPresent([String].self, forKey: .categories)
        blocklistPublishers = try container.decodeIfPresent([String].self, forKey: .blocklistPublishers)
        imageScan = try container.decodeIfPresent(ImageScanSettings.self, forKey: .imageScan)
    }

    /// The disk a lease gets when its request names none: the per-lease amount, but never more
    /// than the maximum (a provider that lowers only the maximum still gets consistent bids).
    public var defaultEphemeralStorage: Quantity {
        guard let amount = ephemeralStoragePerLease.value, let maximum = maxEphemeralStoragePerLease.value, amount > maximum else {
            return ephemeralStoragePerLease
        }
        return maxEphemeralStoragePerLease
    }

    /// Whether `image` comes from an allowed registry. A prefix matches at a path boundary, so
    /// "ghcr.io/org" allows "ghcr.io/org/app:1" but not "ghcr.io/organised/app"; images without
    /// a registry host are Docker Hub's, so "docker.io" allows "busybox".
    public func allowsImage(_ image: String) -> Bool {
        guard let allowedRegistries, !allowedRegistries.isEmpty else { return true }
        let canonical = Self.canonicalImage(image)
        return allowedRegistries.contains { prefix in canonical == prefix || canonical.hasPrefix(prefix + "/") }
    }

    /// The image reference with its registry spelled out, as the container runtime resolves it:
    /// "busybox" is "docker.io/library/busybox", "org/app" is "docker.io/org/app".
    public static func canonicalImage(_ image: String) -> String {
        let parts = image.split(separator: "/", maxSplits: 1)
        if parts.count == 2, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            return image
        }
        return parts.count == 2 ? "docker.io/" + image : "docker.io/library/" + image
    }

    public func blocks(tenant pubkey: String) -> Bool {
        blockedTenants?.contains(pubkey.lowercased()) ?? false
    }

    static let schema = Schema.object("What tenants may run here; requests outside this policy get no bid.", [
        .optional("allowedRegistries", .array(
            of: .string("A registry host, optionally with a port and repository prefix, e.g. ghcr.io or ghcr.io/myorg.")
                .pattern(Patterns.registryPrefix).maxLength(512),
            "Images must come from one of these registries (matched as a prefix at a path boundary). "
                + "Empty or absent allows any registry; images without a registry host are Docker Hub's (docker.io/library/...).")
            .maxItems(ComputeLimits.listEntries).listSet()),
        .optional("portRange", PortRange.schema.defaulting(.object([]))),
        .optional("maxDurationSeconds", .integer("The longest lease accepted, in seconds.")
            .range(ComputeLimits.durationSeconds).defaulting(.integer(Int64(ComputeDefaults.maxDurationSeconds)))),
        .optional("blockedTenants", .array(of: .string("A tenant public key, 64 lowercase hex characters.").pattern(Patterns.hex64),
                                           "Tenants whose requests are ignored.")
            .maxItems(4_096).listSet()),
        .optional("maxGPUsPerLease", .integer("The most GPUs one lease may ask for.")
            .range(ComputeLimits.gpus).defaulting(.integer(Int64(ComputeDefaults.maxGPUsPerLease)))),
        .optional("requireNonRoot", .boolean("Run every lease as a non-root user (runAsNonRoot, Pod Security restricted). "
            + "Images that need root then fail to start, so only set it when tenants know.").defaulting(.bool(false))),
        .optional("egress", EgressSettings.schema.defaulting(.object([]))),
        .optional("ephemeralStoragePerLease", .quantity(
            "Local disk a lease gets for its writable layer, logs and scratch volumes (request = limit) when its request names "
                + "no disk: the kubelet evicts a pod that writes more, so a tenant cannot fill a node's disk. Fixed in each lease "
                + "when it is bid, priced at pricing.msatsPerDiskGiBHour and announced in the offer (default-disk).")
            .defaulting(.string(ComputeDefaults.ephemeralStoragePerLease.text))),
        .optional("maxEphemeralStoragePerLease", .quantity(
            "The most local disk one request may ask for (its disk param); a request over it is refused with a policy error "
                + "naming this maximum. Announced in the offer (max-disk); ephemeralStoragePerLease is capped at it.")
            .defaulting(.string(ComputeDefaults.maxEphemeralStoragePerLease.text))),
        .optional("categories", .array(
            of: .string("A workload category: lower-case words of letters and digits joined by single dashes, e.g. inference or ci-build.")
                .pattern(Patterns.workloadCategory).maxLength(32),
            "The workload categories this provider runs, announced in its offer (category): a request must name one with "
                + "[\"param\",\"category\",...] or is refused with a policy error listing them. Empty or absent accepts any workload.")
            .maxItems(64).listSet()),
        .optional("blocklistPublishers", .array(
            of: .string("A publisher's public key, 64 lowercase hex characters.").pattern(Patterns.hex64),
            "Publishers this provider trusts: their blocklist sets (kind 30000, d nostr-compute-blocklist) and abuse reports about "
                + "tenants and images (kind 7900 with a report tag) are read live from the provider's relays, and a tenant or image "
                + "they list is refused with a policy error naming the publisher. A kind 5 deletion by its author withdraws a report.")
            .maxItems(64).listSet()),
        .optional("imageScan", ImageScanSettings.schema),
    ])
}

/// The container ports tenants may declare. The Service's NodePorts come from the cluster's own range.
public struct PortRange: Codable, Sendable, Equatable {
    public var min: Int
    public var max: Int

    public init(min: Int = ComputeDefaults.portRangeMin, max: Int = ComputeDefaults.portRangeMax) {
        self.min = min
        self.max = max
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        min = try container.decodeIfPresent(Int.self, forKey: .min) ?? ComputeDefaults.portRangeMin
        max = try container.decodeIfPresent(Int.self, forKey: .max) ?? ComputeDefaults.portRangeMax
    }

    public func contains(_ port: Int) -> Bool { (min...Swift.max(min, max)).contains(port) }

    static let schema = Schema.object("The container ports tenants may declare (the exposed NodePorts come from the cluster's range).", [
        .optional("min", .integer("The lowest port allowed.").range(ComputeLimits.port)
            .defaulting(.integer(Int64(ComputeDefaults.portRangeMin)))),
        .optional("max", .integer("The highest port allowed.").range(ComputeLimits.port)
            .defaulting(.integer(Int64(ComputeDefaults.portRangeMax)))),
    ])
}
