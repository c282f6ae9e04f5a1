import ComputeAPI
import Foundation
import NostrBridge

/// What to do with a well-formed compute request.
enum RequestVerdict: Equatable {
    /// Addressed to other providers only: say nothing.
    case ignore
    /// Tell the tenant exactly why there is no bid.
    case reject(String, ComputeErrorCode)
    case bid(LeaseDraft)
}

/// The lease a bid creates, with what the bid tells the tenant.
struct LeaseDraft: Equatable {
    var lease: ComputeLease
    var quote: LeaseQuote
    var bidExpiresAt: Date
    /// Values for the lease's env Secret; never stored in the lease itself.
    var secretEnv: [String: String]
}

/// The provider's policy and prices applied to a request (pure). Capacity is checked after,
/// by reserving it in the inventory, so that two requests cannot win the same GPUs.
enum RequestEvaluator {
    static func evaluate(
        _ request: ComputeRequest, provider: ComputeProvider, providerPubkey: String, relayHint: String?, bidLifetime: TimeInterval,
        secretNamespace: String, now: Date, blocklist: SharedBlocklist = SharedBlocklist()
    ) -> RequestVerdict {
        guard request.addresses(providerPubkey) else { return .ignore }
        let spec = provider.spec
        let policy = spec.policy
        if policy.blocks(tenant: request.tenant) { return .reject("this provider does not serve your pubkey", .policy) }
        // Who blocks and why is said: the lists are public, and a tenant listed by mistake knows whom to ask.
        if let block = blocklist.block(tenant: request.tenant) {
            return .reject("this provider does not serve your pubkey: a blocklist it follows lists it (\(Self.npub(block.publisher)), "
                + "\(block.reason))", .policy)
        }
        if let block = blocklist.block(image: request.image) {
            return .reject("image \(request.image) is on a blocklist this provider follows (\(Self.npub(block.publisher)), \(block.reason))",
                           .policy)
        }
        var escrow: LeaseEscrow?
        if let arbitrator = request.escrowArbitrator {
            // The draft's MUST: never a lease without the escrow the tenant asked for.
            guard let settings = spec.payments.cashu?.escrow else {
                return .reject("this provider takes no escrowed payments (its offer has no [\"escrow\",…] tag): pay without escrow, "
                    + "or choose a provider whose offer lists your arbitrator", .policy)
            }
            guard settings.arbitrators.contains(arbitrator) else {
                return .reject("this provider does not accept arbitrator \(Self.npub(arbitrator)); its offer lists "
                    + settings.arbitrators.map(Self.npub).joined(separator: ", "), .policy)
            }
            escrow = LeaseEscrow(arbitrator: arbitrator, disputeWindowSeconds: settings.disputeWindowSeconds)
        }
        let rail: PaymentRail = request.rail == .cashu ? .cashu : .lightning
        guard spec.payments.rails.contains(rail) else {
            let accepted = spec.payments.rails.map(\.rawValue).joined(separator: " or ")
            return .reject("this provider does not accept \(rail.rawValue) payments; use \(accepted)", .policy)
        }
        guard policy.allowsImage(request.image) else {
            let allowed = (policy.allowedRegistries ?? []).joined(separator: ", ")
            return .reject("image \(request.image) is not from a registry this provider allows (\(allowed))", .policy)
        }
        if !ComputeCategory.admits(offered: policy.categories ?? [], requested: request.category) {
            let accepted = (policy.categories ?? []).sorted().joined(separator: ", ")
            return .reject(request.category.map { "this provider does not run \($0) workloads; it runs \(accepted)" }
                ?? "this provider runs only some kinds of workload: add [\"param\",\"category\",\"<category>\"] with one of \(accepted)", .policy)
        }
        if request.resources.gpus > policy.maxGPUsPerLease {
            return .reject("\(request.resources.gpus) GPUs requested; this provider rents at most \(policy.maxGPUsPerLease) per lease", .policy)
        }
        if request.durationSeconds > policy.maxDurationSeconds {
            return .reject("duration \(request.durationSeconds) s is over this provider's maximum of \(policy.maxDurationSeconds) s", .policy)
        }
        let range = policy.portRange
        if let port = request.ports.first(where: { !(range.min...range.max).contains($0.port) }) {
            return .reject("port \(port.port) is outside the range this provider exposes (\(range.min)-\(range.max))", .policy)
        }
        let disk: Quantity
        if let asked = request.resources.disk, let bytes = request.resources.diskBytes {
            if let maximum = policy.maxEphemeralStoragePerLease.value, bytes > maximum {
                return .reject("disk \(asked) is over this provider's maximum of \(policy.maxEphemeralStoragePerLease) per lease; "
                    + "ask for at most \(policy.maxEphemeralStoragePerLease)", .policy)
            }
            disk = Quantity(asked)
        } else {
            disk = policy.defaultEphemeralStorage
        }
        let resources = LeaseResources(cpu: Quantity(request.resources.cpu), memory: Quantity(request.resources.memory),
                                       gpus: request.resources.gpus, gpuModel: request.resources.gpuModel,
                                       ephemeralStorage: disk)
        let quote: LeaseQuote
        do {
            quote = try LeaseQuote.quote(resources, pricing: spec.pricing, intervalSeconds: spec.billing.intervalSeconds)
        } catch {
            return .reject("\(error)", .policy)
        }
        let total = quote.msats(forDurationSeconds: request.durationSeconds)
        guard total <= request.bidMsats else {
            return .reject("your bid of \(request.bidMsats) msats is below the price of \(total) msats for \(request.durationSeconds) s "
                + "(\(quote.totalMsats) msats per \(quote.intervalSeconds) s interval)", .bidTooLow)
        }
        let relays = Array((request.relays.isEmpty ? [relayHint].compactMap { $0 } : request.relays)
            .filter { Schema.matches($0, Patterns.relayURL) }.prefix(ComputeLimits.relays.upperBound))
        guard !relays.isEmpty else { return .reject("name at least one ws:// or wss:// relay to answer on", .invalidRequest) }

        let bidExpiresAt = now.addingTimeInterval(bidLifetime)
        let name = ComputeLease.name(forRequestEventId: request.id)
        var lease = ComputeLease(name: name, spec: ComputeLeaseSpec(
            tenantPubkey: request.tenant, requestEventId: request.id, relays: relays, image: request.image,
            command: request.command, args: request.args,
            env: request.env.isEmpty ? nil : request.env.map { LeaseEnvVar(name: $0.name, value: $0.value) },
            envSecretRef: request.secretEnv.isEmpty ? nil : SecretReference(name: CheckedLease.envSecretName(forLease: name), namespace: secretNamespace),
            resources: resources,
            ports: request.ports.isEmpty ? nil : request.ports.map {
                LeasePort(port: $0.port, protocol: $0.protocol == .udp ? .udp : .tcp, name: $0.name)
            },
            durationSeconds: request.durationSeconds, pricePerIntervalMsats: quote.totalMsats,
            intervalSeconds: spec.billing.intervalSeconds, graceSeconds: spec.billing.graceSeconds,
            paymentRail: rail, bidExpiresAt: Timestamp(bidExpiresAt), category: request.category, escrow: escrow))
        var annotations: [String: String] = [:]
        var costs = ["cpu=\(quote.cpuMsats)", "memory=\(quote.memoryMsats)"]
        if quote.gpuMsats > 0 { costs.append("gpu=\(quote.gpuMsats)") }
        if resources.ephemeralStorage != nil { costs.append("disk=\(quote.diskMsats)") }
        annotations[MarketAnnotations.bidCosts] = costs.joined(separator: ",")
        if let encryption = request.encryption { annotations[MarketAnnotations.encryption] = encryption.rawValue }
        if let relayHint { annotations[MarketAnnotations.relayHint] = relayHint }
        if !annotations.isEmpty { lease.metadata.annotations = annotations }
        let secretEnv = Dictionary(request.secretEnv.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        return .bid(LeaseDraft(lease: lease, quote: quote, bidExpiresAt: bidExpiresAt, secretEnv: secretEnv))
    }

    static func npub(_ hex: String) -> String { (try? PublicKey(hex: hex))?.npub ?? hex }
}
