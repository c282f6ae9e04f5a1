import Foundation
import NostrBridge

/// What escrowed proofs were checked against (draft §7.7).
public struct CashuEscrowExpectation: Sendable {
    public var tenant: PublicKey
    public var arbitrator: PublicKey
    /// Unix seconds: every proof's locktime must be at least this (the tranche's end plus the window).
    public var minimumLocktime: Int64

    public init(tenant: PublicKey, arbitrator: PublicKey, minimumLocktime: Int64) {
        self.tenant = tenant
        self.arbitrator = arbitrator
        self.minimumLocktime = minimumLocktime
    }
}

extension CashuRedeemer {
    /// Decodes a serialized token for `holdEscrow(_:reference:expecting:)`.
    public static func decode(_ text: String) throws(CashuError) -> CashuToken {
        do { return try CashuToken.decode(text) } catch { throw .invalidToken(error) }
    }

    /// Checks an escrowed payment and holds it, unswapped, in the vault: every proof locked to
    /// exactly provider (us), the expected tenant and arbitrator, any two of them, with the
    /// tenant as sole refund key and a locktime far enough ahead; DLEQ proofs valid; the mint
    /// saying unspent. Returns the vault record (state `.escrowed`, its redemption the value
    /// after the fee the release swap will pay). Nothing is credited here.
    public func holdEscrow(_ token: CashuToken, reference: String, expecting expected: CashuEscrowExpectation) async throws -> EcashRecord {
        let mint = CashuMintURL.normalize(token.mint)
        guard configuration.allowedMints.contains(mint) else { throw CashuError.mintNotAllowed(mint, allowed: configuration.allowedMints) }
        let unit = token.unit ?? "sat"
        guard unit == configuration.unit else { throw CashuError.wrongUnit(unit, expected: configuration.unit) }
        guard !token.proofs.isEmpty, token.proofs.count <= configuration.maximumProofs else {
            throw CashuError.tooManyProofs(token.proofs.count, limit: configuration.maximumProofs)
        }
        if configuration.requireDLEQ, let bare = token.proofs.first(where: { $0.dleq == nil }) { throw CashuError.missingDLEQ(amount: bare.amount) }
        var locktime = Int64.max
        for proof in token.proofs {
            let lock = try CashuEscrowLock.read(secret: proof.secret)
            guard lock.provider == key.publicKey else { throw CashuError.lockedToAnotherKey([CashuEscrowLock.compressed(lock.provider)], ours: lockKey) }
            guard lock.tenant == expected.tenant, lock.arbitrator == expected.arbitrator else {
                throw CashuError.unsupportedLock("an escrowed proof is locked to another tenant or arbitrator than this lease's: lock to the request's "
                    + "author and the arbitrator it names")
            }
            guard lock.locktime >= expected.minimumLocktime else {
                throw CashuError.unsupportedLock("an escrowed proof's locktime \(lock.locktime) is too early: this tranche needs one of at least "
                    + "\(expected.minimumLocktime) (its paid-until plus the dispute window)")
            }
            locktime = min(locktime, lock.locktime)
        }
        let ys = try token.proofs.map { proof throws(CashuError) -> CashuPoint in
            guard let y = CashuBDHKE.hashToCurve(secret: proof.secret) else { throw .invalidToken(.field("a secret maps to no curve point")) }
            return y
        }
        guard Set(ys.map(\.hex)).count == ys.count else { throw CashuError.invalidToken(.field("the token repeats a proof")) }
        let swapID = CashuOutputs.redemptionID(ys: ys)
        let holdID = EcashEscrowHold.holdID(swapID: swapID)
        let held = try await vault.record(id: holdID), swapped = try await vault.record(id: swapID)
        if held != nil || swapped != nil {
            throw CashuError.alreadySpent(byThisProvider: true)
        }

        let client = CashuMintClient(baseURL: mint, httpClient: http, timeout: configuration.requestTimeout)
        let keysets = try await mintCall { try await client.keysets() }
        var inputs = token.proofs
        for index in inputs.indices { inputs[index].id = try expand(inputs[index].id, in: keysets) }
        let keys = try await fetchKeys(Set(inputs.map(\.id)), infos: keysets, client: client)
        // Keys for every keyset, DLEQ or not: the release swap's fee is counted from them.
        try await checkAtMint(inputs, ys: ys, keys: keys, keysRequired: true, client: client)

        let fee = CashuOutputs.fee(inputs: inputs, keysets: keys)
        guard token.amount > fee else { throw CashuError.belowFee(token.amount, fee: fee) }
        let rate = CashuRedeemerConfiguration.msatsPerUnit(unit) ?? 1000
        let (msats, overflow) = Int64(clamping: token.amount - fee).multipliedReportingOverflow(by: rate)
        let now = Date()
        var record = EcashRecord(pending: CashuPendingSwap(id: holdID, reference: reference, mint: mint, unit: unit, inputs: inputs,
                                                           outputs: [], fee: fee, createdAt: now), at: now)
        record.state = .escrowed
        record.redemption = CashuRedemption(id: holdID, reference: reference, mint: mint, unit: unit, amount: token.amount - fee,
                                            amountMsats: overflow ? .max : msats, fee: fee, redeemedAt: now)
        record.escrow = EcashEscrowHold(locktime: locktime, tenant: expected.tenant.hex, arbitrator: expected.arbitrator.hex, swapID: swapID)
        do {
            try await vault.create(record)
        } catch let error as EcashVaultError where error.isExists {
            throw CashuError.alreadySpent(byThisProvider: true)
        } catch {
            throw CashuError.vault(holdID, error)
        }
        return record
    }
}
