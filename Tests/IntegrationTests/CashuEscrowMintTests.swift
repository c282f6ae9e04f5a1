@testable import Billing
import Foundation
import NostrBridge
import Tenant
import XCTest

/// Escrowed tranches (draft §7.7) at the test bed's real nutshell mint: ecash the tenant's own
/// wallet (the `ncn` code) locks to any two of provider, tenant and arbitrator, with the tenant
/// as refund key after the locktime. The mint, not our code, decides who can spend: released
/// tranches swap for the provider, the arbitrator's signature stands in for a vanished tenant,
/// tenant and arbitrator take it back, and the provider's signature alone never spends it,
/// before or after the locktime.
final class CashuEscrowMintTests: XCTestCase {
    private var bed: TestBed!
    private var nutshell: CashuTestWallet!
    private var mint: String!
    private var folder: URL!
    private var wallet: CashuWallet!
    private let provider = SecretKey.generate(), tenant = SecretKey.generate(), arbitrator = SecretKey.generate()
    private var vault: InMemoryEcashVault!
    private var redeemer: CashuRedeemer!

    override func setUp() async throws {
        bed = try TestBed.load()
        mint = try bed.require("NCN_MINT_URL")
        nutshell = try CashuTestWallet(bed: bed)
        try nutshell.fund(300)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-escrow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        wallet = CashuWallet(paths: TenantPaths(directory: folder))
        _ = try await wallet.receive(try nutshell.send(300, dleq: true))
        vault = InMemoryEcashVault()
        redeemer = CashuRedeemer(configuration: try CashuRedeemerConfiguration(allowedMints: [mint], unit: "sat", requireDLEQ: true),
                                 key: provider, vault: vault)
    }

    override func tearDown() async throws {
        nutshell?.remove()
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    private func lock(expiresIn seconds: Int64 = 3600) -> CashuEscrowLock {
        CashuEscrowLock(provider: provider.publicKey, tenant: tenant.publicKey, arbitrator: arbitrator.publicKey,
                        locktime: Int64(Date().timeIntervalSince1970) + seconds)
    }

    /// The tenant's wallet locks `amount` for one tranche; returns the escrowed proofs, as the
    /// provider receives them and the tenant keeps a copy of them.
    private func escrow(_ amount: UInt64, _ lock: CashuEscrowLock) async throws -> [CashuProof] {
        let operation = try await wallet.spend(amount, mint: mint, unit: "sat", kind: .send, escrow: lock)
        XCTAssertEqual(operation.outgoingAmount, amount)
        for proof in operation.outgoing { XCTAssertEqual(try CashuEscrowLock.read(secret: proof.secret), lock) }
        return operation.outgoing
    }

    private func token(_ proofs: [CashuProof]) -> CashuToken { CashuToken(mint: mint, unit: "sat", proofs: proofs) }

    /// A swap of `proofs` straight at the mint, with whatever witness they carry.
    private func rawSwap(_ proofs: [CashuProof]) async throws -> CashuMintError? {
        let client = CashuMintClient(baseURL: mint)
        let keyset = try await client.activeKeyset(unit: "sat")
        let outputs = try CashuWalletCrypto.outputs(amounts: CashuWalletCrypto.denominations(of: proofs.reduce(0) { $0 + $1.amount }), keyset: keyset)
        do {
            _ = try await client.swap(inputs: proofs, outputs: outputs.map(\.blindedMessage))
            return nil
        } catch { return error }
    }

    private func alone(_ proofs: [CashuProof], _ key: SecretKey) throws -> [CashuProof] {
        try CashuEscrowSignatures.witnessed(proofs, by: [try CashuEscrowSignatures.sign(proofs, with: key)])
    }

    func testThreeReleasedTranchesAreSwappedByTheProvider() async throws {
        let lock = lock()
        var earned: UInt64 = 0
        for tranche in 0..<3 {
            let proofs = try await escrow(21, lock)
            let release = try CashuEscrowSignatures.sign(proofs, with: tenant)
            let redemption = try await redeemer.redeem(token(proofs), reference: "lease-escrow:\(tranche)", cosignatures: release)
            XCTAssertEqual(redemption.amount, 21)
            earned += redemption.amount
            let mintSays = try await CashuMintClient(baseURL: mint).allUnspent(proofs)
            XCTAssertFalse(mintSays, "the escrowed proofs are spent")
        }
        XCTAssertEqual(earned, 63)
        let received = try await vault.uncredited()
        XCTAssertEqual(received.count, 3)
    }

    func testWhenTheTenantIsGoneTheArbitratorsSignatureLetsTheProviderSwap() async throws {
        let proofs = try await escrow(34, lock())
        let decision = try CashuEscrowSignatures.sign(proofs, with: arbitrator)
        let redemption = try await redeemer.redeem(token(proofs), reference: "lease-decided", cosignatures: decision)
        XCTAssertEqual(redemption.amount, 34)
    }

    func testTenantAndArbitratorRefundAndTheProviderAloneIsRefusedByTheMint() async throws {
        let proofs = try await escrow(55, lock())

        // The provider alone: our redeemer will not try, and the mint refuses the lone signature.
        do {
            _ = try await redeemer.redeem(token(proofs), reference: "lease-alone")
            XCTFail("the provider swapped escrow alone")
        } catch let error as CashuError { XCTAssertTrue("\(error)".contains("release"), "\(error)") }
        let refused = try await rawSwap(try alone(proofs, provider))
        XCTAssertNotNil(refused, "the mint let the provider spend escrow alone")
        XCTAssertTrue(refused?.isRefusal ?? false, "\(String(describing: refused))")
        XCTAssertTrue("\(String(describing: refused))".contains("signature"), "refused for its signatures: \(String(describing: refused))")

        // A co-signature by anyone but the tenant or the arbitrator does not count.
        let stranger = try CashuEscrowSignatures.sign(proofs, with: SecretKey.generate())
        do {
            _ = try await redeemer.redeem(token(proofs), reference: "lease-forged", cosignatures: stranger)
            XCTFail("a stranger's signature released escrow")
        } catch let error as CashuError { XCTAssertTrue("\(error)".contains("no valid signature"), "\(error)") }

        // Tenant and arbitrator: the tenant's wallet takes it back.
        let refund = try CashuEscrowSignatures.witnessed(proofs, by: [try CashuEscrowSignatures.sign(proofs, with: tenant),
                                                                      try CashuEscrowSignatures.sign(proofs, with: arbitrator)])
        let before = try await wallet.spendable(mint: mint, unit: "sat")
        let reclaimed = try await wallet.reclaim(refund, mint: mint, unit: "sat")
        XCTAssertEqual(reclaimed.amount, 55)
        let after = try await wallet.spendable(mint: mint, unit: "sat")
        XCTAssertEqual(after, before + 55)

        // Now even a valid release is too late: the mint says spent.
        do {
            _ = try await redeemer.redeem(token(proofs), reference: "lease-late", cosignatures: try CashuEscrowSignatures.sign(proofs, with: arbitrator))
            XCTFail("refunded escrow was swapped again")
        } catch let error as CashuError { XCTAssertTrue(error.isAlreadySpent, "\(error)") }
    }

    func testAfterTheLocktimeTheTenantAloneTakesItBackAndTheProviderAloneStillCannot() async throws {
        let proofs = try await escrow(13, lock(expiresIn: 2))
        // Before the locktime the tenant alone cannot.
        let early = try await rawSwap(try alone(proofs, tenant))
        XCTAssertNotNil(early, "the tenant spent escrow alone before the locktime")
        XCTAssertTrue("\(String(describing: early))".contains("signature"), "refused for its signatures: \(String(describing: early))")
        try await Task.sleep(for: .seconds(4))

        let refused = try await rawSwap(try alone(proofs, provider))
        XCTAssertNotNil(refused, "the provider spent escrow alone after the locktime")
        XCTAssertTrue(refused?.isRefusal ?? false, "\(String(describing: refused))")
        XCTAssertTrue("\(String(describing: refused))".contains("signature"), "refused for its signatures: \(String(describing: refused))")

        let reclaimed = try await wallet.reclaim(try alone(proofs, tenant), mint: mint, unit: "sat")
        XCTAssertEqual(reclaimed.amount, 13)
    }
}
