import Billing
import Foundation

/// What the wallet holds at one mint, in one unit.
public struct CashuWalletBalance: Sendable, Hashable {
    public var mint: String
    public var unit: String
    /// Spendable now.
    public var spendable: UInt64
    public var proofs: Int
    /// Given to the mint in an exchange whose outcome is not known yet (finished by `recover`).
    public var inFlight: UInt64
    /// Handed out (tokens, nutzaps) and not yet seen spent at the mint.
    public var outstanding: UInt64
}

/// What `mint` tells its caller as it goes.
public enum CashuMintProgress: Sendable {
    case quote(id: String, bolt11: String, amount: UInt64)
    case paying
    case waiting
}

/// The tenant's own Cashu wallet: proofs in `cashu-wallet.json` (see `CashuWalletStore`), minted
/// by paying a mint's quote (NUT-04), received by swapping a pasted token (NUT-03), and spent by
/// swapping into a token to hand out or into proofs P2PK-locked to a provider (NUT-11, for NIP-61
/// nutzaps). Every exchange with a mint is recorded before the mint sees it; `recover()` finishes
/// what a crash or a lost answer interrupted (NUT-07 states, NUT-09 restore).
public struct CashuWallet: Sendable {
    public let store: CashuWalletStore

    public init(paths: TenantPaths) { store = CashuWalletStore(paths: paths) }

    public init(store: CashuWalletStore) { self.store = store }

    func client(_ mint: String) -> CashuMintClient { CashuMintClient(baseURL: mint) }

    // MARK: Reading

    /// Per mint and unit, from the file alone (no mint is asked).
    public static func balances(_ state: CashuWalletState) -> [CashuWalletBalance] {
        var result: [String: CashuWalletBalance] = [:]
        func entry(_ mint: String, _ unit: String) -> String {
            let key = mint + "\u{0}" + unit
            if result[key] == nil { result[key] = CashuWalletBalance(mint: mint, unit: unit, spendable: 0, proofs: 0, inFlight: 0, outstanding: 0) }
            return key
        }
        for stored in state.proofs {
            let key = entry(stored.mint, stored.unit)
            result[key]!.spendable += stored.proof.amount
            result[key]!.proofs += 1
        }
        for operation in state.operations {
            let key = entry(operation.mint, operation.unit)
            switch operation.state {
            case .prepared where operation.kind == .send || operation.kind == .nutzap || operation.kind == .escrow:
                result[key]!.inFlight += operation.inputs.reduce(0) { $0 + $1.amount }
            case .prepared:
                break
            case .signed, .delivered:
                result[key]!.outstanding += operation.outgoingAmount
            }
        }
        return result.values.sorted { ($0.mint, $0.unit) < ($1.mint, $1.unit) }
    }

    public func balances() async throws -> [CashuWalletBalance] {
        try await store.withLock { Self.balances(try store.load()) }
    }

    /// Spendable amount at `mint` in `unit`.
    public func spendable(mint: String, unit: String) async throws -> UInt64 {
        let normalized = CashuMintURL.normalize(mint)
        return try await store.withLock {
            try store.load().proofs.filter { $0.mint == normalized && $0.unit == unit }.reduce(0) { $0 + $1.proof.amount }
        }
    }

    // MARK: Receiving

    /// Swaps a token someone gave us into fresh proofs at its mint, so its sender can no longer
    /// spend it. Returns what was added (after the mint's fee).
    public func receive(_ text: String) async throws -> (mint: String, unit: String, amount: UInt64, fee: UInt64) {
        let token: CashuToken
        do { token = try CashuToken.decode(text) } catch {
            throw TenantError(.request, "the token does not decode (\(error)): copy the whole cashuA…/cashuB… text again")
        }
        if token.proofs.contains(where: { CashuSpendingCondition.parse(secret: $0.secret) != nil }) {
            throw TenantError(.request, "the token is locked with a spending condition (NUT-10/11); ncn's wallet takes only unlocked tokens")
        }
        return try await receive(token.proofs, mint: token.mint, unit: token.unit ?? "sat")
    }

    /// Takes escrowed ecash back (draft §7.7): `proofs` this wallet locked for a tranche, each
    /// with its witness (the tenant's signature and the arbitrator's, or the tenant's alone after
    /// the locktime), swapped into fresh proofs of ours.
    public func reclaim(_ proofs: [CashuProof], mint: String, unit: String) async throws -> (mint: String, unit: String, amount: UInt64, fee: UInt64) {
        guard !proofs.isEmpty, proofs.allSatisfy({ $0.witness != nil }) else {
            throw TenantError(.request, "escrowed ecash is taken back only with signatures on every proof")
        }
        return try await receive(proofs, mint: mint, unit: unit)
    }

    private func receive(_ proofs: [CashuProof], mint mintURL: String, unit: String) async throws -> (mint: String, unit: String, amount: UInt64, fee: UInt64) {
        let mint = CashuMintURL.normalize(mintURL)
        let amount = proofs.reduce(UInt64(0)) { $0 + $1.amount }
        let client = client(mint)
        return try await store.withLock {
            let infos = try await mintCall { try await client.keysets() }
            var inputs = proofs
            for index in inputs.indices { inputs[index].id = try expand(inputs[index].id, in: infos) }
            let fee = Self.fee(inputs, infos: infos)
            guard amount > fee else { throw TenantError(.payment, "the token is worth \(amount) \(unit), not more than the mint's fee of \(fee)") }
            let keyset = try await mintCall { try await client.activeKeyset(unit: unit) }
            let keep = try crypto { try CashuWalletCrypto.outputs(amounts: CashuWalletCrypto.denominations(of: amount - fee), keyset: keyset) }
            let operation = CashuWalletOperation(kind: .receive, mint: mint, unit: unit, inputs: inputs, keep: keep)
            let secrets = Set(inputs.map(\.secret))
            try store.update { state in
                if state.operations.contains(where: { $0.kind == .receive && !secrets.isDisjoint(with: $0.inputs.map(\.secret)) }) {
                    throw TenantError(.request, "this token is already being received; run `ncn wallet balance` to finish it")
                }
                if state.proofs.contains(where: { secrets.contains($0.proof.secret) }) {
                    throw TenantError(.request, "this token's ecash is already in the wallet")
                }
                state.operations.append(operation)
            }
            _ = try await swap(operation, client: client)
            return (mint, unit, amount - fee, fee)
        }
    }

    // MARK: Minting

    /// NUT-04: asks `mint` for a quote of `amount`, checks its bolt11 asks exactly that, records the
    /// outputs, pays with `payer` unless the mint says it is paid already, waits until the mint
    /// sees the payment (at most `wait`) and mints. Returns the amount minted.
    public func mint(amount: UInt64, at mintURL: String, unit: String = "sat", payer: any InvoicePayer, wait: Duration = .seconds(120),
                     progress: @Sendable (CashuMintProgress) -> Void = { _ in }) async throws -> UInt64 {
        guard amount > 0 else { throw TenantError(.request, "the amount to mint must be at least 1 \(unit)") }
        let mint = CashuMintURL.normalize(mintURL)
        let client = client(mint)
        return try await store.withLock {
            let quote = try await mintCall { try await client.requestMintQuote(amount: amount, unit: unit) }
            if unit == "sat" || unit == "msat" {
                let wanted = Int64(amount) * (unit == "sat" ? 1000 : 1)
                let invoice: Bolt11Invoice
                do { invoice = try Bolt11Invoice.decode(quote.request) } catch {
                    throw TenantError(.payment, "the mint's invoice does not decode (\(error)); nothing was paid")
                }
                guard invoice.amountMsats == wanted else {
                    throw TenantError(.payment, "the mint's invoice asks \(invoice.amountMsats.map { "\($0) msats" } ?? "no amount") for \(amount) \(unit); nothing was paid")
                }
            }
            let keyset = try await mintCall { try await client.activeKeyset(unit: unit) }
            var operation = CashuWalletOperation(kind: .mint, mint: mint, unit: unit,
                                                 keep: try crypto { try CashuWalletCrypto.outputs(amounts: CashuWalletCrypto.denominations(of: amount), keyset: keyset) })
            operation.quote = quote.quote
            operation.bolt11 = quote.request
            operation.quoteExpiry = quote.expiry
            try store.update { $0.operations.append(operation) }
            progress(.quote(id: quote.quote, bolt11: quote.request, amount: amount))

            var state = quote.state
            if state == .unpaid {
                progress(.paying)
                do { _ = try await payer.pay(quote.request) } catch {
                    // An unanswered payment may still have gone through, and some mints' test
                    // backends pay themselves: ask before giving up.
                    for _ in 0..<5 where state == .unpaid {
                        try await Task.sleep(for: .seconds(1))
                        state = (try? await client.mintQuote(quote.quote).state) ?? .unpaid
                    }
                    if state == .unpaid {
                        throw TenantError(.payment, "paying the mint's invoice failed: \(error). Nothing was minted; if the payment still goes through, "
                            + "any later `ncn wallet` command mints it (quote \(quote.quote))")
                    }
                }
            }
            let deadline = ContinuousClock.now + wait
            while state == .unpaid {
                progress(.waiting)
                guard ContinuousClock.now < deadline else {
                    throw TenantError(.payment, "the mint has not seen the payment after \(wait.components.seconds) s; any later `ncn wallet` command "
                        + "mints it once it does (quote \(quote.quote))")
                }
                try await Task.sleep(for: .seconds(1))
                state = (try? await client.mintQuote(quote.quote).state) ?? .unpaid
            }
            guard try await finishMint(operation, state: state, client: client) else {
                throw TenantError(.payment, "the mint says quote \(quote.quote) was already issued, and not to these outputs")
            }
            return amount
        }
    }

    /// Mints a paid quote's recorded outputs (or restores them if an earlier try got through).
    /// False when the quote was issued to other outputs (the operation is dropped).
    private func finishMint(_ operation: CashuWalletOperation, state: CashuMintQuote.State, client: CashuMintClient) async throws -> Bool {
        if state == .paid, let quote = operation.quote {
            do {
                let signatures = try await client.mint(quote: quote, outputs: operation.keep.map(\.blindedMessage))
                _ = try await complete(operation, signed: Array(zip(operation.keep, signatures)), client: client)
                return true
            } catch let error as CashuMintError where error.isRefusal {
                // Issued meanwhile (by an earlier try of ours whose answer was lost): restore below.
            } catch let error as CashuMintError {
                throw TenantError(.payment, "the mint did not answer the mint request (\(error.tenantDescription)); any later `ncn wallet` command finishes it")
            }
        }
        if try await restore(operation, client: client) != nil { return true }
        try store.update { $0.operations.removeAll { $0.id == operation.id } }
        return false
    }

    // MARK: Spending

    /// Swaps our proofs at `mint` into `amount` to hand out (locked to `lock` for a nutzap) plus
    /// change. Returns the operation, signed: `outgoing` holds the proofs to hand out.
    public func spend(_ amount: UInt64, mint mintURL: String, unit: String, kind: CashuWalletOperation.Kind, lock: String? = nil,
                      escrow: CashuEscrowLock? = nil, reference: String? = nil, provider: String? = nil) async throws -> CashuWalletOperation {
        guard amount > 0 else { throw TenantError(.request, "the amount must be at least 1 \(unit)") }
        let mint = CashuMintURL.normalize(mintURL)
        let client = client(mint)
        return try await store.withLock {
            let infos = try await mintCall { try await client.keysets() }
            let keyset = try await mintCall { try await client.activeKeyset(unit: unit) }
            var give = amount
            if kind == .nutzap, keyset.inputFeePPK > 0 {
                // The provider pays the fee for swapping what it gets: add it, so it receives `amount`.
                for _ in 0..<4 { give = amount + (UInt64(CashuWalletCrypto.denominations(of: give).count) * keyset.inputFeePPK + 999) / 1000 }
            }
            let feePPK = Dictionary(infos.map { ($0.id, $0.input_fee_ppk ?? 0) }, uniquingKeysWith: { first, _ in first })
            let operation: CashuWalletOperation = try store.update { state in
                let mine = state.proofs.filter { $0.mint == mint && $0.unit == unit }.map(\.proof)
                guard let inputs = CashuProofSelection.select(give, from: mine, feePPK: { feePPK[$0.id] ?? 0 }) else {
                    let have = mine.reduce(UInt64(0)) { $0 + $1.amount }
                    throw TenantError(.payment, "the wallet holds \(have) \(unit) at \(mint), not enough for \(give) \(unit) and the mint's fees: "
                        + "add some with `ncn wallet mint AMOUNT --mint \(mint)` or `ncn wallet receive TOKEN`")
                }
                let fee = Self.fee(inputs, infos: infos)
                let change = inputs.reduce(UInt64(0)) { $0 + $1.amount } - give - fee
                var operation = CashuWalletOperation(
                    kind: kind, mint: mint, unit: unit, inputs: inputs,
                    keep: try crypto { try CashuWalletCrypto.outputs(amounts: CashuWalletCrypto.denominations(of: change), keyset: keyset) },
                    give: try crypto {
                        let amounts = CashuWalletCrypto.denominations(of: give)
                        if let escrow { return try CashuWalletCrypto.outputs(amounts: amounts, keyset: keyset, escrow: escrow) }
                        return try CashuWalletCrypto.outputs(amounts: amounts, keyset: keyset, lock: lock)
                    })
                operation.reference = reference
                operation.provider = provider
                let spent = Set(inputs.map(\.secret))
                state.proofs.removeAll { $0.mint == mint && spent.contains($0.proof.secret) }
                state.operations.append(operation)
                return operation
            }
            return try await swap(operation, client: client)
        }
    }

    /// The outgoing proofs were handed out: keep the record until the mint shows them spent.
    public func delivered(_ id: String) async throws {
        try await store.withLock {
            try store.update { state in
                if let index = state.operations.firstIndex(where: { $0.id == id }) { state.operations[index].state = .delivered }
            }
        }
    }

    /// The nutzap operation for `reference`, if one was made.
    public func operation(reference: String) async throws -> CashuWalletOperation? {
        try await store.withLock { try store.load().operations.first { ($0.kind == .nutzap || $0.kind == .escrow) && $0.reference == reference } }
    }

    // MARK: Recovery

    /// Finishes every recorded exchange it can: a mint whose quote was paid is minted, a swap the
    /// mint made is restored (NUT-09) and one it never saw is sent again (receive) or undone (our
    /// own proofs back in the wallet); a token or nutzap the mint shows spent is forgotten; a send
    /// that was signed but never printed is put back. Returns a line per change; an exchange whose
    /// mint does not answer stays for the next time.
    @discardableResult
    public func recover(now: Date = Date()) async throws -> [String] {
        try await store.withLock {
            var notes: [String] = []
            for operation in try store.load().operations {
                do {
                    if let note = try await settle(operation, now: now) { notes.append(note) }
                } catch {
                    notes.append("\(operation.kind.rawValue) at \(operation.mint) not settled yet: \(error)")
                }
            }
            return notes
        }
    }

    private func settle(_ operation: CashuWalletOperation, now: Date) async throws -> String? {
        let client = client(operation.mint)
        switch (operation.state, operation.kind) {
        case (.prepared, .mint):
            guard let quote = operation.quote else { return try drop(operation, "a mint record without a quote was dropped") }
            let state = try await mintCall { try await client.mintQuote(quote) }.state
            if state == .unpaid {
                guard let expiry = operation.quoteExpiry, now.timeIntervalSince1970 > TimeInterval(expiry + 60) else { return nil }
                return try drop(operation, "quote \(quote) expired unpaid; its record was dropped")
            }
            let amount = operation.keep.reduce(UInt64(0)) { $0 + $1.amount }
            return try await finishMint(operation, state: state, client: client)
                ? "minted \(amount) \(operation.unit) at \(operation.mint) (quote \(quote))"
                : "quote \(quote) was issued to other outputs; its record was dropped"
        case (.prepared, _):
            let ys = operation.inputs.compactMap(CashuWalletCrypto.y(of:))
            let states = try await mintCall { try await client.checkState(ys) }
            if states.contains(.pending) { return nil }
            if states.allSatisfy({ $0 == .unspent }) {
                if operation.kind == .receive {
                    _ = try await swap(operation, client: client)
                    return "received \(operation.keep.reduce(UInt64(0)) { $0 + $1.amount }) \(operation.unit) at \(operation.mint)"
                }
                try putBack(operation, unspent: operation.inputs)
                return "an interrupted \(operation.kind.rawValue) was undone: its \(operation.inputs.reduce(UInt64(0)) { $0 + $1.amount }) \(operation.unit) are back"
            }
            if try await restore(operation, client: client) != nil {
                return "finished an interrupted \(operation.kind.rawValue) at \(operation.mint)"
            }
            try await abandon(operation, client: client)
            return "a \(operation.kind.rawValue) at \(operation.mint) was spent elsewhere; its record was dropped"
        case (.signed, .send):
            try store.update { state in
                state.operations.removeAll { $0.id == operation.id }
                state.proofs += operation.outgoing.map { CashuStoredProof(mint: operation.mint, unit: operation.unit, proof: $0) }
            }
            return "a token of \(operation.outgoingAmount) \(operation.unit) that was never printed is back in the wallet"
        case (.signed, _), (.delivered, _):
            let ys = operation.outgoing.compactMap(CashuWalletCrypto.y(of:))
            guard !ys.isEmpty else { return try drop(operation, nil) }
            let states = try await mintCall { try await client.checkState(ys) }
            guard states.allSatisfy({ $0 == .spent }) else { return nil }
            return try drop(operation, nil)
        }
    }

    // MARK: Steps

    /// Sends a recorded swap to the mint and stores the result.
    private func swap(_ operation: CashuWalletOperation, client: CashuMintClient) async throws -> CashuWalletOperation {
        let outputs = operation.keep + operation.give
        do {
            let signatures = try await client.swap(inputs: operation.inputs, outputs: outputs.map(\.blindedMessage))
            return try await complete(operation, signed: Array(zip(outputs, signatures)), client: client)
        } catch let error as CashuMintError where error.isRefusal {
            // Already spent may be an earlier try of ours whose answer was lost: restore tells.
            if error.isAlreadySpent, let done = try await restore(operation, client: client) { return done }
            try await abandon(operation, client: client)
            throw TenantError(.payment, "the mint refused the swap: \(error.tenantDescription)")
        } catch let error as CashuMintError {
            throw TenantError(.payment, "the mint did not answer the swap (\(error.tenantDescription)); the wallet recorded it and any later "
                + "`ncn wallet` command finishes it")
        }
    }

    /// NUT-09: the signatures the mint made on the operation's outputs, stored. nil when it made none.
    private func restore(_ operation: CashuWalletOperation, client: CashuMintClient) async throws -> CashuWalletOperation? {
        let outputs = operation.keep + operation.give
        let restored = try await mintCall { try await client.restore(outputs.map(\.blindedMessage)) }
        let byBlinded = Dictionary(outputs.map { ($0.blinded.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        let signed = restored.compactMap { pair in byBlinded[pair.output.B_.lowercased()].map { ($0, pair.signature) } }
        guard !signed.isEmpty else { return nil }
        return try await complete(operation, signed: signed, client: client)
    }

    /// Unblinds the signatures; the change and received ecash join the wallet, the proofs to hand
    /// out go to `outgoing` (state signed), in one write.
    private func complete(_ operation: CashuWalletOperation, signed: [(CashuPreparedOutput, CashuBlindSignature)],
                          client: CashuMintClient) async throws -> CashuWalletOperation {
        var keysets: [String: CashuKeyset] = [:]
        let needed = Set(signed.map(\.0.keysetID))
        if !needed.isEmpty {
            let infos = try await mintCall { try await client.keysets() }
            for id in needed.sorted() { keysets[id] = try await mintCall { try await client.verifiedKeys(id, infos: infos) } }
        }
        var proofs: [CashuProof] = []
        for (output, signature) in signed {
            guard let keyset = keysets[output.keysetID] else { throw TenantError(.payment, "the mint sent no keys for keyset \(output.keysetID)") }
            proofs.append(try crypto { try CashuWalletCrypto.proof(from: signature, output: output, keyset: keyset) })
        }
        let keepSecrets = Set(operation.keep.map(\.secret))
        let kept = proofs.filter { keepSecrets.contains($0.secret) }
        let given = proofs.filter { !keepSecrets.contains($0.secret) }
        var result = operation
        result.state = .signed
        result.outgoing = given
        result.inputs = []
        result.keep = []
        try store.update { state in
            let known = Set(state.proofs.map(\.proof.secret))
            state.proofs += kept.filter { !known.contains($0.secret) }.map { CashuStoredProof(mint: operation.mint, unit: operation.unit, proof: $0) }
            state.operations.removeAll { $0.id == operation.id }
            if !operation.give.isEmpty { state.operations.append(result) }
        }
        return result
    }

    /// The mint signed nothing: our own unspent inputs go back to the wallet, spent ones and a
    /// foreign token's are forgotten, and so is the record.
    private func abandon(_ operation: CashuWalletOperation, client: CashuMintClient) async throws {
        guard operation.kind == .send || operation.kind == .nutzap || operation.kind == .escrow, !operation.inputs.isEmpty else {
            try store.update { $0.operations.removeAll { $0.id == operation.id } }
            return
        }
        let states = try await mintCall { try await client.checkState(operation.inputs.compactMap(CashuWalletCrypto.y(of:))) }
        try putBack(operation, unspent: zip(operation.inputs, states).filter { $0.1 != .spent }.map(\.0))
    }

    private func putBack(_ operation: CashuWalletOperation, unspent: [CashuProof]) throws {
        try store.update { state in
            state.operations.removeAll { $0.id == operation.id }
            let known = Set(state.proofs.map(\.proof.secret))
            state.proofs += unspent.filter { !known.contains($0.secret) }.map { CashuStoredProof(mint: operation.mint, unit: operation.unit, proof: $0) }
        }
    }

    private func drop(_ operation: CashuWalletOperation, _ note: String?) throws -> String? {
        try store.update { $0.operations.removeAll { $0.id == operation.id } }
        return note
    }

    // MARK: Helpers

    static func fee(_ proofs: [CashuProof], infos: [CashuKeysetInfo]) -> UInt64 {
        let keysets = Dictionary(infos.map { ($0.id, CashuKeyset(id: $0.id, unit: $0.unit, keys: [:], inputFeePPK: $0.input_fee_ppk ?? 0)) },
                                 uniquingKeysWith: { first, _ in first })
        return CashuWalletCrypto.inputFee(proofs, keysets: keysets)
    }

    /// A short (V4) keyset id becomes the one full id it prefixes.
    private func expand(_ id: String, in infos: [CashuKeysetInfo]) throws -> String {
        let lower = id.lowercased()
        if let exact = infos.first(where: { $0.id.lowercased() == lower }) { return exact.id }
        let matches = infos.filter { $0.id.lowercased().hasPrefix(lower) }
        guard matches.count == 1 else {
            throw TenantError(.payment, matches.isEmpty ? "the mint does not know keyset \(id): is the token from this mint?" : "short keyset id \(id) is ambiguous at this mint")
        }
        return matches[0].id
    }

    private func mintCall<T>(_ call: () async throws -> T) async throws -> T {
        do { return try await call() } catch let error as CashuMintError {
            throw TenantError(.payment, "\(error.tenantDescription) (\(error.endpoint))")
        } catch let error as CashuError {
            throw TenantError(.payment, error.description)
        }
    }

    private func crypto<T>(_ call: () throws -> T) throws -> T {
        do { return try call() } catch let error as CashuError { throw TenantError(.payment, error.description) }
    }
}
