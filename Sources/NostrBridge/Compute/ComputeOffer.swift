/// A provider's public offer (kind 31900, addressable by its `d` tag): what it has free, what it
/// charges, how it is paid and what it allows. Republished when capacity or prices change, and
/// periodically with a NIP-40 expiration so a vanished provider's offer disappears.
public struct ComputeOffer: Sendable, Hashable {
    /// The `d` tag: one offer per identifier (e.g. one per cluster).
    public var identifier: String
    public var region: String?
    public var capacity: ComputeCapacity
    public var prices: ComputePrices
    public var intervalSeconds: Int
    public var graceSeconds: Int
    public var rails: [ComputeRail]
    /// Set when `rails` has cashu.
    public var cashu: ComputeCashuTerms?
    public var maxDurationSeconds: Int?
    public var maxGPUsPerLease: Int?
    /// Registry prefixes images must start with; empty means any registry.
    public var allowedRegistries: [String]
    /// The workload categories it accepts (`["category", name]`, repeated): a request must name one
    /// with `["param","category",name]`. Empty means any workload, named or not.
    public var categories: [String]
    /// The container ports a request may declare.
    public var portRange: ClosedRange<Int>?
    /// Free-form `["label", key, value]` pairs, e.g. tier=datacenter.
    public var labels: [String: String]
    /// How long before paid-until the next tranche is asked for (`["lead", s]`).
    public var invoiceLeadSeconds: Int?
    /// How long a bid stands unpaid (`["bid-lifetime", s]`).
    public var bidLifetimeSeconds: Int?
    /// The relays the provider reads requests from (`["relays", url…]`).
    public var relays: [String]
    /// How many relays of a request's `relays` tag, beyond its own, it also answers on (`["reply-relays", n]`).
    public var replyRelays: Int?
    /// Whether it refunds unserved paid time (`["refunds", "none"|"cashu"]`, §7.6).
    public var refunds: String?
    /// Its escrow terms (§7.7); nil when it takes no escrowed tranches.
    public var escrow: ComputeEscrowTerms?
    /// The NIP-13 difficulty a request needs (`["pow", n]`); requests below it are ignored.
    public var minProofOfWork: Int?
    /// The local disk a lease gets when its request names none, in bytes (`["default-disk", bytes]`).
    public var defaultDiskBytes: Int64?
    /// The most local disk one request may ask for, in bytes (`["max-disk", bytes]`).
    public var maxDiskBytes: Int64?
    /// NIP-40 expiration, unix seconds.
    public var expiration: Int64?
    /// Human-readable text for the event's content.
    public var about: String

    public init(
        identifier: String, region: String? = nil, capacity: ComputeCapacity, prices: ComputePrices, intervalSeconds: Int, graceSeconds: Int,
        rails: [ComputeRail], cashu: ComputeCashuTerms? = nil, maxDurationSeconds: Int? = nil, maxGPUsPerLease: Int? = nil,
        allowedRegistries: [String] = [], categories: [String] = [], portRange: ClosedRange<Int>? = nil, labels: [String: String] = [:],
        invoiceLeadSeconds: Int? = nil, bidLifetimeSeconds: Int? = nil, relays: [String] = [], replyRelays: Int? = nil, refunds: String? = nil,
        minProofOfWork: Int? = nil, defaultDiskBytes: Int64? = nil, maxDiskBytes: Int64? = nil, expiration: Int64? = nil, about: String = "",
        escrow: ComputeEscrowTerms? = nil
    ) {
        self.escrow = escrow
        self.identifier = identifier
        self.region = region
        self.capacity = capacity
        self.prices = prices
        self.intervalSeconds = intervalSeconds
        self.graceSeconds = graceSeconds
        self.rails = rails
        self.cashu = cashu
        self.maxDurationSeconds = maxDurationSeconds
        self.maxGPUsPerLease = maxGPUsPerLease
        self.allowedRegistries = allowedRegistries
        self.categories = categories
        self.portRange = portRange
        self.labels = labels
        self.invoiceLeadSeconds = invoiceLeadSeconds
        self.bidLifetimeSeconds = bidLifetimeSeconds
        self.relays = relays
        self.replyRelays = replyRelays
        self.refunds = refunds
        self.minProofOfWork = minProofOfWork
        self.defaultDiskBytes = defaultDiskBytes
        self.maxDiskBytes = maxDiskBytes
        self.expiration = expiration
        self.about = about
    }
}

/// Free and total resources: CPU in millicores, memory and local disk in bytes, GPUs per model.
public struct ComputeCapacity: Sendable, Hashable {
    public var cpuMillicoresFree: Int64
    public var cpuMillicoresTotal: Int64
    public var memoryBytesFree: Int64
    public var memoryBytesTotal: Int64
    public var gpus: [ComputeGPUCapacity]
    /// Local disk (ephemeral-storage); nil in offers that do not list it (`["capacity", "disk", free, total]`).
    public var disk: ComputeDiskCapacity?

    public init(
        cpuMillicoresFree: Int64, cpuMillicoresTotal: Int64, memoryBytesFree: Int64, memoryBytesTotal: Int64, gpus: [ComputeGPUCapacity] = [],
        disk: ComputeDiskCapacity? = nil
    ) {
        self.cpuMillicoresFree = cpuMillicoresFree
        self.cpuMillicoresTotal = cpuMillicoresTotal
        self.memoryBytesFree = memoryBytesFree
        self.memoryBytesTotal = memoryBytesTotal
        self.gpus = gpus
        self.disk = disk
    }
}

/// Local disk in bytes, free and total.
public struct ComputeDiskCapacity: Sendable, Hashable {
    public var freeBytes: Int64
    public var totalBytes: Int64

    public init(freeBytes: Int64, totalBytes: Int64) {
        self.freeBytes = freeBytes
        self.totalBytes = totalBytes
    }
}

public struct ComputeGPUCapacity: Sendable, Hashable {
    public var model: String
    public var free: Int
    public var total: Int

    public init(model: String, free: Int, total: Int) {
        self.model = model
        self.free = free
        self.total = total
    }
}

/// Hourly prices in millisatoshis, as the provider's Pricing holds them.
public struct ComputePrices: Sendable, Hashable {
    public var msatsPerCpuHour: Int64
    public var msatsPerGiBHour: Int64
    /// Keyed by GPU model; a model missing here is not rented out.
    public var msatsPerGpuHour: [String: Int64]
    /// Per GiB of local disk per hour (`["price", "disk", msats]`); 0 when an offer lists none.
    public var msatsPerDiskGiBHour: Int64

    public init(msatsPerCpuHour: Int64, msatsPerGiBHour: Int64, msatsPerGpuHour: [String: Int64] = [:], msatsPerDiskGiBHour: Int64 = 0) {
        self.msatsPerCpuHour = msatsPerCpuHour
        self.msatsPerGiBHour = msatsPerGiBHour
        self.msatsPerGpuHour = msatsPerGpuHour
        self.msatsPerDiskGiBHour = msatsPerDiskGiBHour
    }
}
