import ComputeAPI
import Foundation
import NostrBridge

/// The provider's public offer (kind 31900) from its configuration and the live inventory: a
/// pure function, so what tenants are told is exactly what the inputs say.
public enum OfferBuilder {
    /// - Parameters:
    ///   - provider: the ComputeProvider; its name is the offer's `d` identifier, so each
    ///     republish replaces the previous one on the relays.
    ///   - inventory: capacity comes from its schedulable nodes; only GPU models with a price are
    ///     listed, since the others are not rented out.
    ///   - lockKey: the compressed public key (66 hex) Cashu tokens are P2PK-locked to. Without
    ///     it the Cashu rail is left out: the draft requires the key wherever Cashu is offered.
    ///   - expiresAt: the NIP-40 expiration, unix seconds; nil for the content alone.
    ///   - bidLifetime: how long this provider's bids stand, when known.
    public static func offer(
        for provider: ComputeProvider, inventory: InventorySnapshot, lockKey: String?, expiresAt: Int64?, bidLifetime: TimeInterval? = nil
    ) throws(OfferError) -> ComputeOffer {
        let spec = provider.spec
        var rails: [ComputeRail] = []
        if spec.payments.lightning != nil { rails.append(.lightning) }
        var cashu: ComputeCashuTerms?
        if let rail = spec.payments.cashu, let lockKey, !rail.mints.isEmpty {
            rails.append(.cashu)
            cashu = ComputeCashuTerms(mints: rail.mints.map { ComputeMint(url: $0, unit: rail.unit.rawValue) }, p2pk: lockKey)
        }
        guard !rails.isEmpty else { throw .noRail }

        let policy = spec.policy
        let registries = policy.allowedRegistries ?? []
        return ComputeOffer(
            identifier: provider.metadata.name ?? ComputeProvider.defaultName,
            region: spec.advertise?.region,
            capacity: capacity(inventory, pricedModels: Set((spec.pricing.msatsPerGpuHour ?? [:]).keys)),
            prices: ComputePrices(
                msatsPerCpuHour: spec.pricing.msatsPerCpuHour, msatsPerGiBHour: spec.pricing.msatsPerGiBHour,
                msatsPerGpuHour: spec.pricing.msatsPerGpuHour ?? [:], msatsPerDiskGiBHour: spec.pricing.msatsPerDiskGiBHour),
            intervalSeconds: spec.billing.intervalSeconds,
            graceSeconds: spec.billing.graceSeconds,
            rails: rails,
            cashu: cashu,
            maxDurationSeconds: policy.maxDurationSeconds,
            maxGPUsPerLease: policy.maxGPUsPerLease,
            allowedRegistries: registries.sorted(),
            categories: (policy.categories ?? []).sorted(),
            portRange: policy.portRange.min <= policy.portRange.max ? policy.portRange.min...policy.portRange.max : nil,
            labels: spec.advertise?.labels ?? [:],
            invoiceLeadSeconds: spec.billing.invoiceLeadSeconds,
            bidLifetimeSeconds: bidLifetime.map { Int($0.rounded(.down)) },
            relays: spec.relays,
            replyRelays: spec.replyRelays.maxPerRequest,
            // Unserved paid time is not refunded yet (§7.6): said up front, so tenants can choose.
            refunds: "none",
            minProofOfWork: spec.intake.minProofOfWork > 0 ? spec.intake.minProofOfWork : nil,
            defaultDiskBytes: policy.defaultEphemeralStorage.value,
            maxDiskBytes: policy.maxEphemeralStoragePerLease.value,
            expiration: expiresAt,
            about: about(spec),
            escrow: cashu == nil ? nil : spec.payments.cashu?.escrow.map {
                ComputeEscrowTerms(disputeWindowSeconds: $0.disputeWindowSeconds, feePPM: 0, arbitrators: $0.arbitrators.sorted())
            })
    }

    /// Free and total over the nodes that take lease pods. Free is summed over nodes, like the
    /// inventory's totals: a single lease still has to fit on one node.
    static func capacity(_ inventory: InventorySnapshot, pricedModels: Set<String>) -> ComputeCapacity {
        let totals = inventory.totals
        // GPUs on unlabelled nodes have no model a tenant could name.
        let models = Set(totals.allocatable.gpus.keys).intersection(pricedModels).subtracting([ResourceAmounts.unknownGPUModel])
        return ComputeCapacity(
            cpuMillicoresFree: totals.free.cpuMillis, cpuMillicoresTotal: totals.allocatable.cpuMillis,
            memoryBytesFree: totals.free.memoryBytes, memoryBytesTotal: totals.allocatable.memoryBytes,
            gpus: models.sorted().map { model in
                ComputeGPUCapacity(model: model, free: clamp(totals.free.gpus(model: model)), total: clamp(totals.allocatable.gpus(model: model)))
            },
            disk: ComputeDiskCapacity(freeBytes: totals.free.ephemeralStorageBytes, totalBytes: totals.allocatable.ephemeralStorageBytes))
    }

    /// A fixed sentence: the content takes part in the comparison, so it must not vary on its own.
    static func about(_ spec: ComputeProviderSpec) -> String {
        let region = spec.advertise?.region.map { " in \($0)" } ?? ""
        return "Nostr Compute Network provider\(region) (ncn-operator). Send a kind 5900 compute request; "
            + "see the tags for capacity, prices and policy."
    }

    private static func clamp(_ value: Int64) -> Int { Int(clamping: value) }
}
