/// Every default and bound the custom resources have. The schema's `default`/`minimum`/`maximum`
/// and the Swift decoders both read them from here, and a test checks that decoding a minimal
/// object in Swift gives what the apiserver's defaulting gives.
public enum ComputeDefaults {
    /// One tranche pays for this long; 10 minutes keeps what either side can lose small.
    public static let intervalSeconds = 600
    /// How long after `paidUntil` a lease keeps running while the next payment is on its way.
    public static let graceSeconds = 60
    /// How long before `paidUntil` the next invoice (or Cashu request) goes out.
    public static let invoiceLeadSeconds = 120
    /// How many relays named in a request (beyond the provider's own) get its answers.
    public static let replyRelaysPerRequest = 3
    /// How long one image scan may take: pulling and scanning a large image takes minutes.
    public static let imageScanTimeoutSeconds = 300
    public static let escrowDisputeWindowSeconds = 3_600
    public static let escrowMaxUnreleasedTranches = 2
    /// The node label that names the GPU model; the NVIDIA GPU feature discovery sets it.
    public static let gpuNodeLabelKey = "nvidia.com/gpu.product"
    public static let serviceType = EndpointServiceType.nodePort
    public static let portProtocol = PortProtocol.tcp
    public static let cashuUnit = CashuUnit.sat
    /// Unprivileged ports only: tenant containers run as non-root.
    public static let portRangeMin = 1024
    public static let portRangeMax = 65535
    /// A week; longer rentals stream payments just the same but tie up hardware longer than most providers want.
    public static let maxDurationSeconds = 7 * 24 * 3600
    public static let maxGPUsPerLease = 8
    /// Enough for most images' writable layer and logs; a provider with small disks lowers it.
    public static let ephemeralStoragePerLease: Quantity = "10Gi"
    /// The most local disk a request may ask for: room for datasets and model weights, while
    /// the inventory still refuses a lease no node has the disk for.
    public static let maxEphemeralStoragePerLease: Quantity = "100Gi"
    /// 100 msats (0.1 sat) per GiB-hour: about 73 sats per GiB-month, near cloud block storage
    /// (AWS gp3 is $0.08 per GB-month; at $100k per bitcoin 73 sats are $0.073), and 50 times below
    /// the example memory price (5000), since a GiB of disk costs a provider far less than a GiB
    /// of RAM. A 10Gi lease pays 167 msats per 10-minute interval for it.
    public static let msatsPerDiskGiBHour: Int64 = 100
    /// Intake limits (IntakeSettings): generous for people, small against scripts.
    public static let maxRequestAgeSeconds = 600
    public static let requestsPerMinutePerTenant = 12
    public static let maxUnpaidBidsPerTenant = 3
    public static let maxUnpaidBids = 100
    public static let errorRepliesPerSecond = 5
}

/// Hard bounds the schema enforces whatever the provider configures: they catch typos and keep
/// objects small, the provider's `WorkloadPolicy` narrows them further.
public enum ComputeLimits {
    public static let intervalSeconds: ClosedRange<Int64> = 10...86_400
    public static let graceSeconds: ClosedRange<Int64> = 0...3_600
    public static let invoiceLeadSeconds: ClosedRange<Int64> = 0...3_600
    public static let durationSeconds: ClosedRange<Int64> = 1...31_536_000
    public static let gpus: ClosedRange<Int64> = 0...64
    public static let port: ClosedRange<Int64> = 1...65_535
    /// Local disk of one lease, in bytes: 64 MiB (a writable layer and some logs) up to 64 TiB.
    /// The same bounds as the draft's `disk` param (NostrBridge's `ComputeWireLimits`).
    public static let ephemeralStorageBytes: ClosedRange<Int64> = (64 << 20)...(64 << 40)
    /// Up to every bitcoin there will ever be (21 million BTC in millisatoshis). Not Int64.max:
    /// the apiserver holds bounds as float64, and Int64.max rounds past the int64 range.
    public static let msats: ClosedRange<Int64> = 0...2_100_000_000_000_000_000
    public static let relays: ClosedRange<Int> = 1...16
    public static let ports = 16
    public static let envVars = 128
    public static let commandItems = 64
    public static let argItems = 256
    public static let argLength = 4_096
    public static let listEntries = 256
}
