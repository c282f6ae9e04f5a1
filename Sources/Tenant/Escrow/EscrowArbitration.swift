import Billing
import Foundation
import NostrBridge

/// A dispute or claim addressed to this arbitrator, with what it found out about it.
public struct ArbitrationCase: Sendable {
    public var event: NostrEvent
    public var report: ComputeEscrowReport
    /// Who is who: the tenant is the lock's (and the dispute's author or the claim's counterparty).
    public var tenant: String
    public var provider: String
    /// The locktime of the tranche's proofs: a decision after it is too late.
    public var locktime: Int64
    /// Our decision on it, when one is on the relays.
    public var decision: ComputeEscrowSignatures?
}

/// The arbitrator's side (draft §7.7): the disputes and claims that name its key, the evidence
/// around them, and its decision, signed on every proof of the tranche for the winner alone.
public struct EscrowArbitration: Sendable {
    public let key: SecretKey
    public let pool: RelayPool
    public var timeout: Duration = .seconds(8)

    public init(key: SecretKey, pool: RelayPool) {
        self.key = key
        self.pool = pool
    }

    /// Every escrow report that names this key as arbitrator and whose proofs are locked to it,
    /// newest first, each with our decision if we made one. Reports whose locks name another
    /// arbitrator, or a tenant who is neither side of the report, are not cases of ours.
    public func cases(since: Int64? = nil) async throws(TenantError) -> [ArbitrationCase] {
        let me = key.publicKey.hex
        guard let reports = await pool.stored([Filter(kinds: [ComputeKinds.tenantFeedback], tags: ["p": [me]], since: since)], timeout: timeout),
              let decisions = await pool.stored([Filter(authors: [me], kinds: [ComputeKinds.escrowSignatures], since: since)], timeout: timeout)
        else { throw TenantError(.relay, "the relays did not answer within \(timeout): check --relay") }
        let decided: [String: ComputeEscrowSignatures] = Dictionary(decisions.compactMap { event in
            guard let read = try? ComputeEscrowSignatures.parse(event), read.purpose == .decision, let claim = read.claimID else { return nil }
            return (claim, read)
        }, uniquingKeysWith: { first, _ in first })
        var cases: [ArbitrationCase] = []
        for event in reports.sorted(by: { $0.createdAt > $1.createdAt }) {
            guard let report = (try? ComputeEscrowReport.parse(event)) ?? nil, report.arbitrator == me,
                  let found = try? Self.parties(of: report, author: event.pubkey, arbitrator: key.publicKey) else { continue }
            cases.append(ArbitrationCase(event: event, report: report, tenant: found.tenant, provider: found.provider, locktime: found.locktime,
                                         decision: decided[event.id]))
        }
        return cases
    }

    /// The tenant and provider of a report, checked against its proofs' locks: every secret an
    /// escrow lock naming this arbitrator and the report's tenant.
    static func parties(of report: ComputeEscrowReport, author: String, arbitrator: PublicKey) throws -> (tenant: String, provider: String, locktime: Int64) {
        let tenant = report.category == .dispute ? author : report.counterparty
        let provider = report.category == .dispute ? report.counterparty : author
        var locktime = Int64.max
        for secret in report.secrets {
            let lock = try CashuEscrowLock.read(secret: secret)
            guard lock.arbitrator == arbitrator, lock.tenant.hex == tenant else {
                throw TenantError(.request, "the report's proofs are not locked to this arbitrator and its tenant")
            }
            locktime = min(locktime, lock.locktime)
        }
        return (tenant, provider, locktime)
    }

    /// The events the case offers as evidence and everything the relays hold about its request:
    /// the request, the provider's answers, ratings and further reports, oldest first.
    public func evidence(for found: ArbitrationCase) async throws(TenantError) -> [NostrEvent] {
        let request = found.report.requestID
        let filters = [
            Filter(ids: [request] + found.report.evidence),
            Filter(kinds: [ComputeKinds.result, ComputeKinds.jobFeedback, ComputeKinds.tenantFeedback, ComputeKinds.escrowSignatures], tags: ["e": [request]]),
        ]
        guard let events = await pool.stored(filters, timeout: timeout) else {
            throw TenantError(.relay, "the relays did not answer within \(timeout): check --relay")
        }
        var seen = Set<String>()
        return events.filter { seen.insert($0.id).inserted }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// Signs every proof of the case's tranche and publishes the decision for `winner`.
    public func decide(_ found: ArbitrationCase, forTenant: Bool, reason: String) async throws(TenantError) -> (event: NostrEvent, relays: [String]) {
        if let decision = found.decision {
            throw TenantError(.request, "you already decided this case for \(decision.recipient == found.tenant ? "the tenant" : "the provider"); a second decision would hand both sides a signature")
        }
        guard Int64(Date().timeIntervalSince1970) < found.locktime else {
            throw TenantError(.request, "the tranche's locktime has passed: the tenant can take it back alone, and a decision no longer matters")
        }
        let winner = forTenant ? found.tenant : found.provider
        let loser = forTenant ? found.provider : found.tenant
        var byY: [String: String] = [:]
        for secret in found.report.secrets {
            let proof = CashuProof(amount: 0, id: "", secret: secret, C: "")
            do { byY.merge(try CashuEscrowSignatures.sign([proof], with: key).byY) { first, _ in first } } catch {
                throw TenantError(.request, "cannot sign the tranche's proofs: \(error)")
            }
        }
        let decision = ComputeEscrowSignatures(purpose: .decision, requestID: found.report.requestID, tranche: found.report.tranche, recipient: winner,
                                               signatures: byY, claimID: found.event.id, otherParty: loser, reason: reason)
        let event: NostrEvent
        do { event = try decision.sign(with: key) } catch { throw TenantError(.request, "cannot sign the decision: \(error)") }
        let outcomes = await pool.publish(event)
        let accepted = outcomes.filter(\.value.isSuccess).keys.sorted()
        guard !accepted.isEmpty else {
            throw TenantError(.relay, "no relay took the decision (\(outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")))")
        }
        return (event, accepted)
    }
}
