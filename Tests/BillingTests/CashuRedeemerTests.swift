@testable import Billing
import Foundation
import NostrBridge
import XCTest

/// The checks a redeemer makes before it talks to any mint, and the vault's bookkeeping.
/// The allowed mint is an address nothing listens on: reaching it shows up as a transport error,
/// so "refused before any mint call" is distinguishable from "refused by the mint".
final class CashuRedeemerTests: XCTestCase {
    private let allowedMint = "http://127.0.0.1:9"
    private let providerKey = SecretKey.generate()

    /// DLEQ off by default here: these proofs are made up, and the checks under test come first or apart from it.
    private func redeemer(vault: any EcashVault = InMemoryEcashVault(), unit: String = "sat", requireDLEQ: Bool = false) throws -> CashuRedeemer {
        CashuRedeemer(configuration: try CashuRedeemerConfiguration(allowedMints: [allowedMint + "/"], unit: unit, maximumProofs: 4,
                                                                    requestTimeout: .seconds(2), requireDLEQ: requireDLEQ),
                      key: providerKey, vault: vault)
    }

    func testProofsWithoutDLEQAreRefusedBeforeTheMintOrTheVaultWhenRequired() async throws {
        let vault = InMemoryEcashVault()
        let token = CashuToken(mint: allowedMint, unit: "sat", proofs: [proof(), proof()])
        let error = try await refusal(token, redeemer: try redeemer(vault: vault, requireDLEQ: true))
        XCTAssertTrue(error.description.contains("no DLEQ proof"), error.description)
        XCTAssertNil(error.mintError, "the mint was asked")
        let stored = try await vault.records()
        XCTAssertTrue(stored.isEmpty)
    }

    private func proof(_ secret: String = CashuHex.encode(SecureRandom.bytes(32)), amount: UInt64 = 8) -> CashuProof {
        CashuProof(amount: amount, id: "01d58cfa1773f5d9", secret: secret, C: CashuPoint.generatorTimes(CashuScalar.random())!.hex)
    }

    private func lock(to key: String, tags: String = #"[["sigflag","SIG_INPUTS"]]"#) -> String {
        #"["P2PK",{"nonce":"\#(CashuHex.encode(SecureRandom.bytes(16)))","data":"\#(key)","tags":\#(tags)}]"#
    }

    private func refusal(_ token: CashuToken, redeemer: CashuRedeemer? = nil) async throws -> CashuError {
        do {
            _ = try await (redeemer ?? self.redeemer()).redeem(token: token.encodedV4(), reference: "lease-a")
        } catch let error as CashuError {
            return error
        }
        XCTFail("the token was accepted")
        throw CancellationError()
    }

    private func reachedTheMint(_ error: CashuError) -> Bool {
        guard let mintError = error.mintError else { return false }
        return !mintError.isRefusal && mintError.description.contains("no answer")
    }

    func testRefusesAMintNotOnTheAllowlistBeforeContactingIt() async throws {
        let error = try await refusal(CashuToken(mint: "http://127.0.0.1:1", unit: "sat", proofs: [proof()]))
        XCTAssertTrue(error.description.contains("does not accept ecash from http://127.0.0.1:1"), error.description)
        XCTAssertTrue(error.description.contains(allowedMint), error.description)
    }

    func testAcceptsTheAllowedMintHoweverItIsSpelled() async throws {
        let error = try await refusal(CashuToken(mint: "HTTP://127.0.0.1:9///", unit: "sat", proofs: [proof()]))
        XCTAssertTrue(reachedTheMint(error), error.description)
    }

    func testRefusesAnotherUnit() async throws {
        let error = try await refusal(CashuToken(mint: allowedMint, unit: "usd", proofs: [proof()]))
        XCTAssertTrue(error.description.contains("usd"), error.description)
        XCTAssertFalse(reachedTheMint(error))
    }

    func testRefusesTooManyProofs() async throws {
        let error = try await refusal(CashuToken(mint: allowedMint, unit: "sat", proofs: (0..<5).map { _ in proof(amount: 1) }))
        XCTAssertTrue(error.description.contains("at most 4"), error.description)
    }

    func testRefusesATokenThatRepeatsAProof() async throws {
        let one = proof("same")
        let error = try await refusal(CashuToken(mint: allowedMint, unit: "sat", proofs: [one, one]))
        XCTAssertTrue(error.description.contains("repeats"), error.description)
    }

    func testRefusesALockToAnotherKeyNamingBothKeys() async throws {
        let other = "02" + SecretKey.generate().publicKey.hex
        let error = try await refusal(CashuToken(mint: allowedMint, unit: "sat", proofs: [proof(lock(to: other))]))
        XCTAssertTrue(error.description.contains(other), error.description)
        XCTAssertTrue(error.description.contains("02" + providerKey.publicKey.hex), error.description)
        XCTAssertFalse(reachedTheMint(error))
    }

    func testRefusesSigAllMultisigHTLCAndBadNSigs() async throws {
        let ours = "02" + providerKey.publicKey.hex
        let locks = [
            lock(to: ours, tags: #"[["sigflag","SIG_ALL"]]"#),
            lock(to: ours, tags: #"[["pubkeys","\#("02" + SecretKey.generate().publicKey.hex)"],["n_sigs","2"]]"#),
            lock(to: ours, tags: #"[["n_sigs","zero"]]"#),
            #"["HTLC",{"nonce":"00","data":"\#(String(repeating: "00", count: 32))","tags":[]}]"#,
        ]
        for secret in locks {
            let error = try await refusal(CashuToken(mint: allowedMint, unit: "sat", proofs: [proof(secret)]))
            XCTAssertTrue(error.description.contains("cannot be met"), error.description)
            XCTAssertFalse(reachedTheMint(error))
        }
    }

    func testALockToTheProviderPassesTheOfflineChecks() async throws {
        for key in ["02" + providerKey.publicKey.hex, "03" + providerKey.publicKey.hex] {
            let error = try await refusal(CashuToken(mint: allowedMint, unit: "sat", proofs: [proof(lock(to: key)), proof()]))
            XCTAssertTrue(reachedTheMint(error), error.description)
        }
        // One of several keys, one signature needed, a locktime and refund: still ours to spend.
        let other = "02" + SecretKey.generate().publicKey.hex
        let tags = #"[["pubkeys","02\#(providerKey.publicKey.hex)"],["locktime","1"],["refund","\#(other)"]]"#
        let error = try await refusal(CashuToken(mint: allowedMint, unit: "sat", proofs: [proof(lock(to: other, tags: tags))]))
        XCTAssertTrue(reachedTheMint(error), error.description)
    }

    func testRefusesGarbage() async throws {
        do {
            _ = try await redeemer().redeem(token: "cashuBnonsense", reference: "x")
            XCTFail("accepted")
        } catch let error as CashuError {
            XCTAssertTrue(error.description.contains("cashuB"), error.description)
        }
    }

    func testAReceivedTokenIsRefusedAsAlreadySpentWithoutAskingTheMint() async throws {
        let vault = InMemoryEcashVault()
        let token = CashuToken(mint: allowedMint, unit: "sat", proofs: [proof()])
        let id = CashuOutputs.redemptionID(ys: token.proofs.map { CashuBDHKE.hashToCurve(secret: $0.secret)! })
        let swap = CashuPendingSwap(id: id, reference: "lease-a", mint: allowedMint, unit: "sat", inputs: token.proofs, outputs: [], fee: 0, createdAt: Date())
        try await vault.recordPending(swap)
        try await vault.recordReceived(redemption(id: id), proofs: [])
        let error = try await refusal(token, redeemer: redeemer(vault: vault))
        XCTAssertTrue(error.isAlreadySpent)
        XCTAssertEqual(error.mintErrorCode, 11001)
        XCTAssertTrue(error.description.contains("this provider redeemed it before"), error.description)
    }

    func testConfigurationRefusesNonsense() {
        XCTAssertThrowsError(try CashuRedeemerConfiguration(allowedMints: [], unit: "sat"))
        XCTAssertThrowsError(try CashuRedeemerConfiguration(allowedMints: ["https://m"], unit: "usd"))
        XCTAssertNoThrow(try CashuRedeemerConfiguration(allowedMints: ["https://m"], unit: "msat"))
    }

    func testLockKeyIsTheCompressedEvenKey() throws {
        XCTAssertEqual(try redeemer().lockKey, "02" + providerKey.publicKey.hex)
    }

    // MARK: Vault bookkeeping

    private func redemption(id: String, reference: String = "lease-a") -> CashuRedemption {
        CashuRedemption(id: id, reference: reference, mint: allowedMint, unit: "sat", amount: 8, amountMsats: 8000, fee: 0, redeemedAt: Date())
    }

    private func pendingSwap(_ id: String) -> CashuPendingSwap {
        CashuPendingSwap(id: id, reference: "lease-a", mint: allowedMint, unit: "sat", inputs: [proof()], outputs: [], fee: 0, createdAt: Date())
    }

    func testVaultCreditsEachRedemptionExactlyOnce() async throws {
        let vault = InMemoryEcashVault()
        let a = String(repeating: "a", count: 64), b = String(repeating: "b", count: 64)
        try await vault.recordPending(pendingSwap(a))
        try await vault.recordPending(pendingSwap(b))
        let pendingBoth = try await vault.pending().map(\.id).sorted()
        XCTAssertEqual(pendingBoth, [a, b])
        let none = try await vault.uncredited()
        XCTAssertEqual(none, [])

        try await vault.recordReceived(redemption(id: a), proofs: [proof()])
        let pendingB = try await vault.pending().map(\.id)
        XCTAssertEqual(pendingB, [b])
        let uncreditedA = try await vault.uncredited().map(\.id)
        XCTAssertEqual(uncreditedA, [a])

        try await vault.markCredited(id: a)
        try await vault.markCredited(id: a)
        let afterCredit = try await vault.uncredited()
        XCTAssertEqual(afterCredit, [])
        let record = try await vault.record(id: a)
        XCTAssertEqual(record?.state, .received)
        XCTAssertEqual(record?.proofs.count, 1)
        XCTAssertEqual(record?.credited, true)
    }

    func testVaultRefusesASecondPendingRecordAndCreditingUnreceivedEcash() async throws {
        let vault = InMemoryEcashVault()
        let a = String(repeating: "a", count: 64)
        try await vault.recordPending(pendingSwap(a))
        do {
            try await vault.recordPending(pendingSwap(a))
            XCTFail("a second pending record replaced the first")
        } catch let error as EcashVaultError {
            XCTAssertTrue(error.isExists)
        }
        do {
            try await vault.markCredited(id: a)
            XCTFail("pending ecash was credited")
        } catch is EcashVaultError {}
        // A swap the mint signed nothing for is deleted, and may be tried again.
        try await vault.discardUnsigned(id: a)
        let discarded = try await vault.record(id: a)
        XCTAssertNil(discarded)
        try await vault.recordPending(pendingSwap(a))
        let retried = try await vault.record(id: a)?.state
        XCTAssertEqual(retried, .pending)
    }
}
