import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NostrBridge

/// Turns a tenant's Cashu token into ecash only the provider can spend, durably.
///
/// A token is only payment once swapped: until then the sender can spend it too. The swap is
/// made crash-safe by ordering: the new outputs' secrets and blinding factors are stored before
/// the mint sees them, and `redeem` returns only after the unblinded proofs are stored. Whatever
/// happens in between, `recoverPending()` asks the mint where the inputs stand and either repeats
/// the swap with the same outputs or fetches the signatures back with NUT-09 restore.
public final class CashuRedeemer: Sendable {
    public let configuration: CashuRedeemerConfiguration
    let key: SecretKey
    let vault: any EcashVault
    let http: HTTPClient
    private let logger: Logger
    /// Redemption ids being worked on in this process; the vault's create-only pending record
    /// guards across processes.
    private let inFlight = NIOLockedValueBox<Set<String>>([])

    /// - Parameter key: the provider's Cashu key. Tenants lock ecash to it (see `lockKey`); it
    ///   should not be the provider's Nostr key (NIP-61 keeps the two apart).
    public init(configuration: CashuRedeemerConfiguration, key: SecretKey, vault: any EcashVault,
                httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "ncn.cashu")) {
        self.configuration = configuration
        self.key = key
        self.vault = vault
        self.http = httpClient
        self.logger = logger
    }

    /// The public key tenants lock P2PK ecash to: 33-byte compressed hex (`02` + the x-only key).
    public var lockKey: String { "02" + key.publicKey.hex }

    /// Whether every proof of the token is P2PK-locked to this provider alone (one signature, our
    /// key): ecash its sender can no longer spend, so leaving it unswapped only lets whoever
    /// copies it pay with it. False for anything that does not decode.
    public func isLockedToUs(token text: String) -> Bool {
        guard let token = try? CashuToken.decode(text), !token.proofs.isEmpty else { return false }
        return token.proofs.allSatisfy { proof in
            guard let condition = CashuSpendingCondition.parse(secret: proof.secret), condition.kind == "P2PK",
                  condition.requiredSignatures == 1 else { return false }
            return condition.signingKeys.allSatisfy { CashuP2PKWitness.key($0, is: key.publicKey.hex) }
        }
    }

    /// Checks the token, swaps it at its mint and stores the provider's new proofs.
    /// Throws `CashuError`; when its `isOutcomeUnknown` is true the payment may still complete
    /// through `recoverPending()`.
    public func redeem(token text: String, reference: String) async throws -> CashuRedemption {
        let token: CashuToken
        do { token = try CashuToken.decode(text) } catch { throw CashuError.invalidToken(error) }
        return try await redeem(token, reference: reference)
    }

    /// `redeem(token:reference:)` for a decoded token. With `cosignatures`, escrowed proofs
    /// (2 of 3, draft §7.7) are spent with the provider's signature and the co-signer's: the
    /// tenant's release or the arbitrator's decision.
    public func redeem(_ token: CashuToken, reference: String, cosignatures: CashuEscrowSignatures? = nil) async throws -> CashuRedemption {

        // Everything that needs no network first, so a token from a foreign mint never makes
        // the provider contact that mint.
        let mint = CashuMintURL.normalize(token.mint)
        guard configuration.allowedMints.contains(mint) else {
            throw CashuError.mintNotAllowed(mint, allowed: configuration.allowedMints)
        }
        let unit = token.unit ?? "sat"
        guard unit == configuration.unit else { throw CashuError.wrongUnit(unit, expected: configuration.unit) }
        guard token.proofs.count <= configuration.maximumProofs else {
            throw CashuError.tooManyProofs(token.proofs.count, limit: configuration.maximumProofs)
        }
        if configuration.requireDLEQ, let bare = token.proofs.first(where: { $0.dleq == nil }) {
            throw CashuError.missingDLEQ(amount: bare.amount)
        }
        var inputs = token.proofs
        for index in inputs.indices { try authorize(&inputs[index], cosignatures: cosignatures) }
        let ys = try inputs.map { proof throws(CashuError) -> CashuPoint in
            guard let y = CashuBDHKE.hashToCurve(secret: proof.secret) else { throw .invalidToken(.field("a secret maps to no curve point")) }
            return y
        }
        guard Set(ys.map(\.hex)).count == ys.count else { throw CashuError.invalidToken(.field("the token repeats a proof")) }
        let id = CashuOutputs.redemptionID(ys: ys)

        guard claim(id) else { throw CashuError.inProgress(id) }
        defer { release(id) }

        let existing: EcashRecord?
        do { existing = try await vault.record(id: id) } catch { throw CashuError.vault(id, error) }
        if let existing {
            switch existing.state {
            case .received: throw CashuError.alreadySpent(byThisProvider: true)
            // The tenant presents the token again after a crash of ours: finish that swap.
            case .pending: return try await settle(existing.swap)
            case .abandoned, .escrowed: break
            }
        }

        let client = CashuMintClient(baseURL: mint, httpClient: http, timeout: configuration.requestTimeout)
        let keysets = try await mintCall { try await client.keysets() }
        for index in inputs.indices { inputs[index].id = try expand(inputs[index].id, in: keysets) }
        var keys = try await fetchKeys(Set(inputs.map(\.id)), infos: keysets, client: client)
        try await checkAtMint(inputs, ys: ys, keys: keys, keysRequired: configuration.requireDLEQ, client: client)

        let fee = CashuOutputs.fee(inputs: inputs, keysets: keys)
        guard token.amount > fee else { throw CashuError.belowFee(token.amount, fee: fee) }
        let candidates: [CashuKeysetInfo] = keysets.filter { $0.active && $0.unit == configuration.unit }
        let cheapest = candidates.min { (a: CashuKeysetInfo, b: CashuKeysetInfo) -> Bool in (a.input_fee_ppk ?? 0) < (b.input_fee_ppk ?? 0) }
        guard let active = cheapest else { throw CashuError.keyset("the mint has no active \(configuration.unit) keyset") }
        if keys[active.id] == nil {
            keys.merge(try await fetchKeys([active.id], infos: keysets, client: client)) { old, _ in old }
        }
        guard let activeKeys = keys[active.id] else { throw CashuError.keyset("the mint sent no keys for keyset \(active.id)") }
        let outputs = try CashuOutputs.prepare(amount: token.amount - fee, keyset: activeKeys)

        let swap = CashuPendingSwap(id: id, reference: reference, mint: mint, unit: unit, inputs: inputs,
                                    outputs: outputs, fee: fee, createdAt: Date())
        do {
            try await vault.recordPending(swap)
        } catch let error as EcashVaultError where error.isExists {
            throw CashuError.inProgress(id)
        } catch {
            throw CashuError.vault(id, error)
        }
        return try await complete(swap, client: client, keys: keys)
    }

    /// Settles every swap whose outcome a crash or failure left unknown. Returns the redemptions
    /// that completed now; the ones that still cannot (mint unreachable, inputs pending at the
    /// mint) stay pending for the next call, and ones the sender spent elsewhere are abandoned.
    @discardableResult
    public func recoverPending() async throws -> [CashuRedemption] {
        var recovered: [CashuRedemption] = []
        for swap in try await vault.pending() {
            guard claim(swap.id) else { continue }
            defer { release(swap.id) }
            do {
                recovered.append(try await settle(swap))
            } catch {
                logger.warning("a pending Cashu redemption is not settled yet", metadata: [
                    "redemption": "\(swap.id)", "reference": "\(swap.reference)", "error": "\(error)",
                ])
            }
        }
        return recovered
    }

    // MARK: Steps

    /// Asks the mint where a recorded swap's inputs stand and finishes it accordingly.
    func settle(_ swap: CashuPendingSwap) async throws -> CashuRedemption {
        let client = CashuMintClient(baseURL: swap.mint, httpClient: http, timeout: configuration.requestTimeout)
        let ys = swap.inputs.compactMap { CashuBDHKE.hashToCurve(secret: $0.secret)?.hex }
        let states: [CashuProofState] = try await mintCall { try await client.checkState(ys) }
        if states.contains(.pending) { throw CashuError.pendingAtMint }
        if states.allSatisfy({ $0 == .unspent }) {
            // The mint never processed the swap: send it again with the same outputs.
            return try await complete(swap, client: client, keys: [:])
        }
        return try await restore(swap, client: client, keys: [:])
    }

    /// Sends the recorded swap and stores the result.
    private func complete(_ swap: CashuPendingSwap, client: CashuMintClient, keys: [String: CashuKeyset]) async throws -> CashuRedemption {
        let signatures: [CashuBlindSignature]
        do {
            signatures = try await client.swap(inputs: swap.inputs, outputs: swap.outputs.map(\.message))
        } catch where error.isAlreadySpent {
            // Either the sender won a race, or an earlier attempt of ours went through: only
            // restore can tell which.
            return try await restore(swap, client: client, keys: keys)
        } catch where error.isRefusal {
            try? await vault.discardUnsigned(id: swap.id)
            throw CashuError.mint(error)
        } catch {
            throw CashuError.outcomeUnknown(swap.id, why: error.description)
        }
        return try await finish(swap, signed: Array(zip(swap.outputs, signatures)), client: client, keys: keys)
    }

    /// NUT-09: fetches the signatures the mint made on the recorded outputs. None means the
    /// inputs were spent by someone else's swap.
    private func restore(_ swap: CashuPendingSwap, client: CashuMintClient, keys: [String: CashuKeyset]) async throws -> CashuRedemption {
        let restored: [(output: CashuBlindedMessage, signature: CashuBlindSignature)]
        do { restored = try await client.restore(swap.outputs.map(\.message)) } catch {
            throw CashuError.outcomeUnknown(swap.id, why: error.description)
        }
        let byBlinded = Dictionary(swap.outputs.map { ($0.blinded.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        let signed = restored.compactMap { pair in byBlinded[pair.output.B_.lowercased()].map { ($0, pair.signature) } }
        guard !signed.isEmpty else {
            try? await vault.discardUnsigned(id: swap.id)
            throw CashuError.alreadySpent(byThisProvider: false)
        }
        return try await finish(swap, signed: signed, client: client, keys: keys)
    }

    /// Unblinds and checks the mint's signatures, then stores the proofs: only now is the ecash the provider's.
    private func finish(_ swap: CashuPendingSwap, signed: [(CashuPreparedOutput, CashuBlindSignature)],
                        client: CashuMintClient, keys known: [String: CashuKeyset]) async throws -> CashuRedemption {
        var keys = known
        let missing = Set(signed.map(\.0.keysetID)).subtracting(keys.keys)
        if !missing.isEmpty {
            let infos = try await mintCall { try await client.keysets() }
            keys.merge(try await fetchKeys(missing, infos: infos, client: client)) { old, _ in old }
        }
        var proofs: [CashuProof] = []
        for (output, signature) in signed {
            guard let keyset = keys[output.keysetID] else { throw CashuError.keyset("the mint sent no keys for keyset \(output.keysetID)") }
            proofs.append(try CashuWalletCrypto.proof(from: signature, output: output, keyset: keyset))
        }
        let amount = proofs.reduce(UInt64(0)) { $0 + $1.amount }
        let inputTotal = swap.inputs.reduce(UInt64(0)) { $0 + $1.amount }
        let rate = CashuRedeemerConfiguration.msatsPerUnit(swap.unit) ?? 1000
        let (msats, overflow) = Int64(clamping: amount).multipliedReportingOverflow(by: rate)
        let redemption = CashuRedemption(id: swap.id, reference: swap.reference, mint: swap.mint, unit: swap.unit,
                                         amount: amount, amountMsats: overflow ? .max : msats,
                                         fee: inputTotal > amount ? inputTotal - amount : 0, redeemedAt: Date())
        do { try await vault.recordReceived(redemption, proofs: proofs) } catch { throw CashuError.vault(swap.id, error) }
        logger.info("redeemed Cashu ecash", metadata: [
            "redemption": "\(swap.id)", "reference": "\(swap.reference)", "mint": "\(swap.mint)",
            "amount": "\(amount) \(swap.unit)", "fee": "\(redemption.fee)",
        ])
        return redemption
    }

    // MARK: Helpers

    /// Adds the NUT-11 witness to a P2PK-locked input, or refuses a lock the provider cannot open.
    private func authorize(_ proof: inout CashuProof, cosignatures: CashuEscrowSignatures?) throws(CashuError) {
        guard let condition = CashuSpendingCondition.parse(secret: proof.secret) else { return }
        guard condition.kind == "P2PK" else {
            throw .unsupportedLock("it is locked with a \(condition.kind) condition (NUT-10); only plain and P2PK ecash is accepted")
        }
        switch condition.sigflag {
        case "SIG_INPUTS": break
        case "SIG_ALL": throw .unsupportedLock("SIG_ALL locks (signatures over inputs and outputs) are not accepted; lock with SIG_INPUTS")
        default: throw .unsupportedLock("unknown sigflag \(condition.sigflag)")
        }
        let required = condition.requiredSignatures
        if required == 2, let cosignatures {
            try authorizeEscrowed(&proof, cosignatures: cosignatures)
            return
        }
        guard required == 1 else {
            throw .unsupportedLock(required > 1
                ? "it needs \(required) signatures (multisig); escrowed ecash is swapped only with the tenant's release or the arbitrator's decision"
                : "its n_sigs tag is invalid")
        }
        guard condition.signingKeys.contains(where: { CashuP2PKWitness.key($0, is: key.publicKey.hex) }) else {
            throw .lockedToAnotherKey(condition.signingKeys, ours: lockKey)
        }
        do { proof.witness = try CashuP2PKWitness.make(secret: proof.secret, signer: key) } catch {
            throw .unsupportedLock("signing the witness failed")
        }
    }

    /// Our signature and the co-signer's on an escrowed proof; the co-signer is one of the
    /// lock's other two keys, checked here so a bad release costs no mint call.
    private func authorizeEscrowed(_ proof: inout CashuProof, cosignatures: CashuEscrowSignatures) throws(CashuError) {
        let lock = try CashuEscrowLock.read(secret: proof.secret)
        guard lock.provider == key.publicKey else {
            throw .lockedToAnotherKey([CashuEscrowLock.compressed(lock.provider)], ours: lockKey)
        }
        guard let y = CashuWalletCrypto.y(of: proof), let theirs = cosignatures.byY[y],
              CashuEscrowSignatures.isValid(theirs, on: proof.secret, by: lock.tenant)
                || CashuEscrowSignatures.isValid(theirs, on: proof.secret, by: lock.arbitrator)
        else { throw .unsupportedLock("an escrowed proof of \(proof.amount) has no valid signature by its tenant or arbitrator") }
        let ours: CashuEscrowSignatures
        do { ours = try CashuEscrowSignatures.sign([proof], with: key) } catch { throw .unsupportedLock("signing the witness failed") }
        proof = try CashuEscrowSignatures.witnessed([proof], by: [ours, CashuEscrowSignatures(byY: [y: theirs])])[0]
    }

    /// Every proof's keyset in our unit, its DLEQ proof (when it has one) valid, and the mint
    /// saying unspent: what a payment must pass before anything is stored or swapped.
    func checkAtMint(_ inputs: [CashuProof], ys: [CashuPoint], keys: [String: CashuKeyset], keysRequired: Bool, client: CashuMintClient) async throws {
        for proof in inputs {
            guard let keyset = keys[proof.id] else {
                if keysRequired { throw CashuError.keyset("the mint sent no keys for keyset \(proof.id), so its DLEQ proofs cannot be checked") }
                continue
            }
            guard keyset.unit == configuration.unit else { throw CashuError.wrongUnit(keyset.unit, expected: configuration.unit) }
            guard proof.dleq != nil else { continue }
            guard let mintKey = keyset.key(for: proof.amount), CashuDLEQ.verify(proof, mintKey: mintKey) else {
                throw CashuError.invalidDLEQ("a proof of \(proof.amount) \(configuration.unit) in keyset \(proof.id) carries a DLEQ proof that does not verify")
            }
        }
        let states: [CashuProofState] = try await mintCall { try await client.checkState(ys.map(\.hex)) }
        if states.contains(.spent) { throw CashuError.alreadySpent(byThisProvider: false) }
        if states.contains(.pending) { throw CashuError.pendingAtMint }
    }

    /// A short (8-byte) keyset id becomes the one full id it prefixes (NUT-00 V4); a full id must exist.
    func expand(_ id: String, in keysets: [CashuKeysetInfo]) throws(CashuError) -> String {
        let lower = id.lowercased()
        if let exact = keysets.first(where: { $0.id.lowercased() == lower }) { return exact.id }
        let matches = keysets.filter { $0.id.lowercased().hasPrefix(lower) }
        guard matches.count == 1 else {
            throw .keyset(matches.isEmpty ? "the mint does not know keyset \(id)" : "short keyset id \(id) is ambiguous at this mint")
        }
        return matches[0].id
    }

    /// Keys of the given keysets, each checked against its id.
    func fetchKeys(_ ids: Set<String>, infos: [CashuKeysetInfo], client: CashuMintClient) async throws -> [String: CashuKeyset] {
        var result: [String: CashuKeyset] = [:]
        for id in ids.sorted() {
            var keyset = try await mintCall { try await client.keys(keysetID: id) }
            if let info = infos.first(where: { $0.id == id }) {
                keyset.inputFeePPK = info.input_fee_ppk ?? keyset.inputFeePPK
                keyset.finalExpiry = keyset.finalExpiry ?? info.final_expiry
            }
            if !keyset.derivedIDs().isEmpty, !keyset.idMatchesKeys {
                throw CashuError.keyset("the keys the mint serves for keyset \(id) do not derive that id")
            }
            result[id] = keyset
        }
        return result
    }

    /// Mint failures become `CashuError.mint`, keeping the mint's code.
    func mintCall<T>(_ call: () async throws -> T) async throws -> T {
        do { return try await call() } catch let error as CashuMintError { throw CashuError.mint(error) }
    }

    private func claim(_ id: String) -> Bool { inFlight.withLockedValue { $0.insert(id).inserted } }
    private func release(_ id: String) { inFlight.withLockedValue { _ = $0.remove(id) } }
}
