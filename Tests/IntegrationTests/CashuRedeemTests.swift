@testable import Billing
import Foundation
import KubeClient
import NostrBridge
@testable import Operator
import XCTest

/// Redeeming real tokens, made by nutshell's wallet CLI, at the test bed's nutshell mint.
final class CashuRedeemTests: XCTestCase {
    private var bed: TestBed!
    private var wallet: CashuTestWallet!
    private var mint: String!
    private let providerKey = SecretKey.generate()

    override func setUp() async throws {
        bed = try TestBed.load()
        mint = try bed.require("NCN_MINT_URL")
        wallet = try CashuTestWallet(bed: bed)
        try wallet.fund(200)
    }

    override func tearDown() async throws { wallet?.remove() }

    private func redeemer(_ vault: any EcashVault, allowed: [String]? = nil, requireDLEQ: Bool = true) throws -> CashuRedeemer {
        CashuRedeemer(configuration: try CashuRedeemerConfiguration(allowedMints: allowed ?? [mint], unit: "sat", requireDLEQ: requireDLEQ),
                      key: providerKey, vault: vault)
    }

    /// The redemption is what the vault holds, and the mint agrees the provider's proofs are unspent.
    private func assertHeld(_ redemption: CashuRedemption, amount: UInt64, in vault: any EcashVault,
                            file: StaticString = #filePath, line: UInt = #line) async throws {
        XCTAssertEqual(redemption.amount + redemption.fee, amount, file: file, line: line)
        XCTAssertEqual(redemption.amountMsats, Int64(redemption.amount) * 1000, file: file, line: line)
        XCTAssertEqual(redemption.mint, CashuMintURL.normalize(mint), file: file, line: line)
        let record = try await vault.record(id: redemption.id)
        XCTAssertEqual(record?.state, .received, file: file, line: line)
        let proofs = record?.proofs ?? []
        XCTAssertEqual(proofs.reduce(0) { $0 + $1.amount }, redemption.amount, file: file, line: line)
        let unspent = try await CashuMintClient(baseURL: mint).allUnspent(proofs)
        XCTAssertTrue(unspent, "the provider's new proofs are not spendable", file: file, line: line)
        let uncredited = try await vault.uncredited()
        XCTAssertTrue(uncredited.contains(redemption), file: file, line: line)
        // The mint signed with DLEQ proofs, so the redeemer had them to verify.
        let restored = try await CashuMintClient(baseURL: mint).restore(record?.swap.outputs.map(\.message) ?? [])
        XCTAssertEqual(restored.count, record?.swap.outputs.count, file: file, line: line)
        XCTAssertTrue(restored.allSatisfy { $0.signature.dleq != nil }, file: file, line: line)
    }

    private func refusal(_ token: String, _ redeemer: CashuRedeemer) async throws -> CashuError {
        do {
            _ = try await redeemer.redeem(token: token, reference: "lease-refused")
        } catch let error as CashuError {
            return error
        }
        XCTFail("the token was accepted")
        throw CancellationError()
    }

    func testRedeemsAPlainCashuBToken() async throws {
        let token = try wallet.send(13)
        XCTAssertTrue(token.hasPrefix("cashuB"))
        let vault = InMemoryEcashVault()
        let redemption = try await redeemer(vault).redeem(token: token, reference: "lease-b")
        XCTAssertEqual(redemption.reference, "lease-b")
        try await assertHeld(redemption, amount: 13, in: vault)
        // The tenant's proofs are gone: the payment is final.
        let spent = try await CashuMintClient(baseURL: mint).allUnspent(try expanded(token))
        XCTAssertFalse(spent)
    }

    /// Forged proofs (issue 13): refused before any vault write when DLEQ proofs are required (the
    /// default), and, from a mint without NUT-12 where they are not, the record of the refused swap
    /// is deleted. Either way no ncn-ecash Secret remains.
    func testForgedProofsLeaveNoVaultSecret() async throws {
        let genuine = try CashuToken.decode(try wallet.send(8))
        var forged = genuine
        let donor = try XCTUnwrap(genuine.proofs.first?.C)
        for index in forged.proofs.indices {
            forged.proofs[index].secret = CashuHex.encode((0..<32).map { _ in UInt8.random(in: 0...255) })
            forged.proofs[index].C = donor  // a valid curve point the mint never signed for this secret
        }
        let withForgedDLEQ = forged.encodedV4()
        var bare = forged
        for index in bare.proofs.indices { bare.proofs[index].dleq = nil }
        let ys = bare.proofs.compactMap { CashuBDHKE.hashToCurve(secret: $0.secret) }
        let id = CashuOutputs.redemptionID(ys: ys)
        try await bed.withKubernetes { admin in
            let vault = SecretEcashVault(client: admin, namespace: "ncn-system")
            let dleqRefusal = try await refusal(withForgedDLEQ, try redeemer(vault))
            XCTAssertTrue(dleqRefusal.description.contains("DLEQ"), dleqRefusal.description)
            let missing = try await refusal(bare.encodedV4(), try redeemer(vault))
            XCTAssertTrue(missing.description.contains("cashu send --dleq"), missing.description)
            // A mint without NUT-12: the swap is tried, refused by the mint, and its record deleted.
            let refusedByMint = try await refusal(bare.encodedV4(), try redeemer(vault, requireDLEQ: false))
            XCTAssertNotNil(refusedByMint.mintError, refusedByMint.description)
            let left = try? await admin.get(Secret.self, name: SecretEcashVault.secretName(id: id), namespace: "ncn-system")
            XCTAssertNil(left, "a vault Secret was left for forged proofs")
        }
        // The genuine token is untouched and still redeems.
        let vault = InMemoryEcashVault()
        try await assertHeld(try await redeemer(vault).redeem(token: genuine.encodedV4(), reference: "lease-genuine"), amount: 8, in: vault)
    }

    func testRedeemsALegacyCashuAToken() async throws {
        let token = try wallet.send(21, legacy: true)
        XCTAssertTrue(token.hasPrefix("cashuA"))
        let vault = InMemoryEcashVault()
        try await assertHeld(try await redeemer(vault).redeem(token: token, reference: "lease-a"), amount: 21, in: vault)
    }

    func testRedeemsATokenCarryingDLEQProofs() async throws {
        let token = try wallet.send(5, dleq: true)
        XCTAssertTrue(try CashuToken.decode(token).proofs.allSatisfy { $0.dleq != nil }, "nutshell sent no DLEQ")
        let vault = InMemoryEcashVault()
        try await assertHeld(try await redeemer(vault).redeem(token: token, reference: "lease-dleq"), amount: 5, in: vault)
    }

    func testRedeemsATokenLockedToTheProvidersKey() async throws {
        let vault = InMemoryEcashVault()
        let redeemer = try redeemer(vault)
        let token = try wallet.send(9, lock: redeemer.lockKey)
        XCTAssertNotNil(CashuSpendingCondition.parse(secret: try CashuToken.decode(token).proofs[0].secret), "the token is not locked")
        try await assertHeld(try await redeemer.redeem(token: token, reference: "lease-p2pk"), amount: 9, in: vault)
    }

    func testRefusesATokenLockedToAnotherKey() async throws {
        let other = "02" + SecretKey.generate().publicKey.hex
        let token = try wallet.send(7, lock: other)
        let vault = InMemoryEcashVault()
        let error = try await refusal(token, try redeemer(vault))
        XCTAssertTrue(error.description.contains("locked"), error.description)
        XCTAssertTrue(error.description.contains(other), error.description)
        let records = try await vault.records()
        XCTAssertTrue(records.isEmpty)
    }

    func testAReplayedTokenIsRefusedAsAlreadySpent() async throws {
        let token = try wallet.send(4)
        let vault = InMemoryEcashVault()
        _ = try await redeemer(vault).redeem(token: token, reference: "lease-replay")

        // Another provider (or this one after losing its vault) learns it from the mint.
        let elsewhere = try await refusal(token, try redeemer(InMemoryEcashVault()))
        XCTAssertTrue(elsewhere.isAlreadySpent)
        XCTAssertEqual(elsewhere.mintErrorCode, 11001)
        XCTAssertTrue(elsewhere.description.contains("already spent"), elsewhere.description)

        // This provider knows it itself.
        let here = try await refusal(token, try redeemer(vault))
        XCTAssertEqual(here.mintErrorCode, 11001)
        XCTAssertTrue(here.description.contains("already spent"), here.description)
        let uncredited = try await vault.uncredited()
        XCTAssertEqual(uncredited.count, 1)
    }

    func testATokenTheSenderSpentFirstIsRefusedAsAlreadySpent() async throws {
        let token = try wallet.send(3)
        let other = try CashuTestWallet(bed: bed)
        defer { other.remove() }
        _ = try other.run(["-y", "receive", token])
        let error = try await refusal(token, try redeemer(InMemoryEcashVault()))
        XCTAssertEqual(error.mintErrorCode, 11001)
    }

    func testRefusesAMintNotOnTheAllowlistBeforeAnyMintCall() async throws {
        let token = try wallet.send(6)
        // The token names the real mint; the provider allows only another one.
        let error = try await refusal(token, try redeemer(InMemoryEcashVault(), allowed: ["https://mint.example.com"]))
        XCTAssertNil(error.mintError)
        XCTAssertTrue(error.description.contains("does not accept ecash from"), error.description)
        // Nothing reached the mint: the tenant can still spend the token.
        let unspent = try await CashuMintClient(baseURL: mint).allUnspent(try expanded(token))
        XCTAssertTrue(unspent)
    }

    /// The token's proofs (checkstate needs only their secrets, so short keyset ids do not matter).
    private func expanded(_ token: String) throws -> [CashuProof] { try CashuToken.decode(token).proofs }

    func testACrashAfterTheSwapIsRecoveredAndCreditedOnce() async throws {
        let store = InMemoryEcashVault()
        try await crashAfterTheSwapIsRecovered(store: store, amount: 11)
    }

    func testACrashBeforeTheSwapIsSentIsRecovered() async throws {
        let store = InMemoryEcashVault()
        let token = try wallet.send(10)
        do {
            _ = try await redeemer(CrashingEcashVault(store, crashing: .afterRecordingPending)).redeem(token: token, reference: "lease-early")
            XCTFail("the injected crash did not happen")
        } catch let error as CashuError {
            XCTAssertTrue(error.isOutcomeUnknown, error.description)
        }
        // The mint never saw the swap: recovery sends it with the recorded outputs.
        let stillUnspent = try await CashuMintClient(baseURL: mint).allUnspent(try expanded(token))
        XCTAssertTrue(stillUnspent)
        let recovered = try await redeemer(store).recoverPending()
        XCTAssertEqual(recovered.count, 1)
        try await assertHeld(recovered[0], amount: 10, in: store)
    }

    func testPresentingTheTokenAgainAfterACrashFinishesThatRedemption() async throws {
        let store = InMemoryEcashVault()
        let token = try wallet.send(14)
        do {
            _ = try await redeemer(CrashingEcashVault(store, crashing: .beforeRecordingReceived)).redeem(token: token, reference: "lease-again")
            XCTFail("the injected crash did not happen")
        } catch let error as CashuError {
            XCTAssertTrue(error.isOutcomeUnknown, error.description)
        }
        // The tenant retries before recovery ran: the same redemption completes, once.
        let redemption = try await redeemer(store).redeem(token: token, reference: "lease-again")
        XCTAssertEqual(redemption.reference, "lease-again")
        try await assertHeld(redemption, amount: 14, in: store)
        let recovered = try await redeemer(store).recoverPending()
        XCTAssertEqual(recovered, [])
        let uncredited = try await store.uncredited()
        XCTAssertEqual(uncredited.count, 1)
    }

    func testACrashAfterTheSwapIsRecoveredWithTheSecretVault() async throws {
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { namespace in
                let store = SecretEcashVault(client: client, namespace: namespace)
                let redemption = try await self.crashAfterTheSwapIsRecovered(store: store, amount: 12)
                let secret = try await client.get(Secret.self, name: SecretEcashVault.secretName(id: redemption.id), namespace: namespace)
                XCTAssertEqual(secret.metadata.labels?["ncn.dev/ecash"], "true")
                XCTAssertEqual(secret.metadata.labels?["app.kubernetes.io/managed-by"], LeaseLabels.managedByValue)
                XCTAssertEqual(secret.metadata.labels?[SecretEcashVault.stateLabel], "received")
                XCTAssertEqual(secret.metadata.labels?[SecretEcashVault.creditedLabel], "true")
                XCTAssertEqual(secret.metadata.annotations?[SecretEcashVault.referenceAnnotation], "lease-crash")
                XCTAssertNil(secret.metadata.ownerReferences)
            }
        }
    }

    /// Crash between swap and record, recover with a fresh redeemer, credit exactly once.
    @discardableResult
    private func crashAfterTheSwapIsRecovered(store: any EcashVault, amount: Int) async throws -> CashuRedemption {
        let token = try wallet.send(amount)
        do {
            _ = try await redeemer(CrashingEcashVault(store, crashing: .beforeRecordingReceived)).redeem(token: token, reference: "lease-crash")
            XCTFail("the injected crash did not happen")
        } catch let error as CashuError {
            XCTAssertTrue(error.isOutcomeUnknown, error.description)
        }
        let pending = try await store.pending()
        XCTAssertEqual(pending.count, 1)
        let nothingYet = try await store.uncredited()
        XCTAssertEqual(nothingYet, [])
        // The mint has already spent the tenant's proofs: only restore can bring the ecash back.
        let spent = try await CashuMintClient(baseURL: mint).allUnspent(try expanded(token))
        XCTAssertFalse(spent)

        let recovered = try await redeemer(store).recoverPending()
        XCTAssertEqual(recovered.count, 1)
        try await assertHeld(recovered[0], amount: UInt64(amount), in: store)
        let again = try await redeemer(store).recoverPending()
        XCTAssertEqual(again, [])
        let pendingAfter = try await store.pending()
        XCTAssertEqual(pendingAfter, [])

        let uncredited = try await store.uncredited()
        XCTAssertEqual(uncredited.map(\.id), [recovered[0].id])
        try await store.markCredited(id: recovered[0].id)
        let afterCredit = try await store.uncredited()
        XCTAssertEqual(afterCredit, [])
        // The same token presented again is not a second payment.
        let replay = try await refusal(token, try redeemer(store))
        XCTAssertEqual(replay.mintErrorCode, 11001)
        return recovered[0]
    }

    func testSecretVaultWritesAreCreateOnceAndConfirmed() async throws {
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { namespace in
                let vault = SecretEcashVault(client: client, namespace: namespace)
                let id = String(repeating: "c", count: 64)
                let swap = CashuPendingSwap(id: id, reference: "lease-x", mint: self.mint, unit: "sat", inputs: [], outputs: [], fee: 0, createdAt: Date())
                try await vault.recordPending(swap)
                do {
                    try await vault.recordPending(swap)
                    XCTFail("a second pending record replaced the first")
                } catch let error as EcashVaultError {
                    XCTAssertTrue(error.isExists)
                }
                let redemption = CashuRedemption(id: id, reference: "lease-x", mint: self.mint, unit: "sat", amount: 1, amountMsats: 1000, fee: 0, redeemedAt: Date())
                // Concurrent writers of one record: every change lands.
                async let received: Void = vault.recordReceived(redemption, proofs: [])
                async let again: Void = vault.recordReceived(redemption, proofs: [])
                _ = try await (received, again)
                try await vault.markCredited(id: id)
                let record = try await vault.record(id: id)
                XCTAssertEqual(record?.state, .received)
                XCTAssertEqual(record?.credited, true)
                XCTAssertEqual(record?.redemption, redemption)
                let all = try await vault.records()
                XCTAssertEqual(all.map(\.id), [id])
                let missing = try await vault.record(id: String(repeating: "d", count: 64))
                XCTAssertNil(missing)
            }
        }
    }
}
