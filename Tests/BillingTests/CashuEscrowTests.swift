@testable import Billing
import NostrBridge
import XCTest

/// The escrow lock's reading and the signatures on it; spending it is tested at the real mint
/// (IntegrationTests/CashuEscrowMintTests).
final class CashuEscrowTests: XCTestCase {
    private let provider = SecretKey.generate(), tenant = SecretKey.generate(), arbitrator = SecretKey.generate()
    private var lock: CashuEscrowLock {
        CashuEscrowLock(provider: provider.publicKey, tenant: tenant.publicKey, arbitrator: arbitrator.publicKey, locktime: 1_900_000_000)
    }

    func testAConditionReadsBackAsTheSameLockAndEachHasItsOwnNonce() throws {
        let first = lock.condition(), second = lock.condition()
        XCTAssertNotEqual(first.nonce, second.nonce)
        XCTAssertEqual(try CashuEscrowLock.read(secret: first.secret), lock)
        // The mint reads the same thing: any 2 of the three, the tenant alone after the locktime.
        let parsed = try XCTUnwrap(CashuSpendingCondition.parse(secret: first.secret))
        XCTAssertEqual(parsed.requiredSignatures, 2)
        XCTAssertEqual(parsed.signingKeys.count, 3)
        XCTAssertEqual(parsed.refundKeys, ["02" + tenant.publicKey.hex])
        XCTAssertEqual(parsed.locktime, 1_900_000_000)
    }

    func testRefusesEveryLockThatLetsSomeoneSpendOtherwise() {
        let p = "02" + provider.publicKey.hex, t = "02" + tenant.publicKey.hex, a = "02" + arbitrator.publicKey.hex
        func secret(_ tags: [[String]]) -> String { CashuSpendingCondition(kind: "P2PK", data: p, nonce: "00", tags: tags).secret }
        let good: [[String]] = [["pubkeys", t, a], ["n_sigs", "2"], ["locktime", "1900000000"], ["refund", t], ["sigflag", "SIG_INPUTS"]]
        XCTAssertNoThrow(try CashuEscrowLock.read(secret: secret(good)))
        let bad: [(String, String)] = [
            ("one signature", secret(good.map { $0[0] == "n_sigs" ? ["n_sigs", "1"] : $0 })),
            ("three signatures", secret(good.map { $0[0] == "n_sigs" ? ["n_sigs", "3"] : $0 })),
            ("no threshold", secret(good.filter { $0[0] != "n_sigs" })),
            ("refund to the provider", secret(good.map { $0[0] == "refund" ? ["refund", p] : $0 })),
            ("two refund keys", secret(good.map { $0[0] == "refund" ? ["refund", t, a] : $0 })),
            ("no refund key", secret(good.filter { $0[0] != "refund" })),
            ("no locktime", secret(good.filter { $0[0] != "locktime" })),
            ("anyone after the locktime", secret(good + [["n_sigs_refund", "0"]])),
            ("SIG_ALL", secret(good.map { $0[0] == "sigflag" ? ["sigflag", "SIG_ALL"] : $0 })),
            ("a fourth key", secret(good.map { $0[0] == "pubkeys" ? ["pubkeys", t, a, "02" + SecretKey.generate().publicKey.hex] : $0 })),
            ("a repeated key", secret(good.map { $0[0] == "pubkeys" ? ["pubkeys", t, p] : $0 })),
            ("the same key as 03", secret(good.map { $0[0] == "pubkeys" ? ["pubkeys", t, "03" + provider.publicKey.hex] : $0 })),
            ("an unknown tag", secret(good + [["unknown", "x"]])),
            ("a repeated tag", secret(good + [["n_sigs", "2"]])),
            ("HTLC", CashuSpendingCondition(kind: "HTLC", data: String(repeating: "0", count: 64), tags: good).secret),
            ("plain", String(repeating: "ab", count: 32)),
        ]
        for (why, secret) in bad {
            XCTAssertThrowsError(try CashuEscrowLock.read(secret: secret), why)
        }
    }

    func testSignaturesCoverTheirProofsOnlyAndMakeTheWitness() throws {
        let proofs = (0..<3).map { CashuProof(amount: 1 << UInt64($0), id: "00ad268c4d1f5826", secret: lock.condition().secret, C: "02" + String(repeating: "11", count: 32)) }
        let byTenant = try CashuEscrowSignatures.sign(proofs, with: tenant)
        XCTAssertTrue(byTenant.covers(proofs, by: tenant.publicKey))
        XCTAssertFalse(byTenant.covers(proofs, by: arbitrator.publicKey), "signed by the tenant, not the arbitrator")
        XCTAssertFalse(byTenant.covers(proofs + [CashuProof(amount: 8, id: "00ad268c4d1f5826", secret: lock.condition().secret, C: "02")], by: tenant.publicKey),
                       "a proof it does not sign")
        XCTAssertFalse(CashuEscrowSignatures(byY: [:]).covers([], by: tenant.publicKey), "nothing covers nothing")

        let byProvider = try CashuEscrowSignatures.sign(proofs, with: provider)
        let witnessed = try CashuEscrowSignatures.witnessed(proofs, by: [byProvider, byTenant])
        for proof in witnessed {
            let witness = try JSONDecoder().decode([String: [String]].self, from: Data(try XCTUnwrap(proof.witness).utf8))
            XCTAssertEqual(witness["signatures"]?.count, 2)
            XCTAssertTrue(CashuEscrowSignatures.isValid(witness["signatures"]![1], on: proof.secret, by: tenant.publicKey))
        }
        XCTAssertThrowsError(try CashuEscrowSignatures.witnessed(proofs, by: [byProvider, CashuEscrowSignatures(byY: [:])]))
    }

    /// A signature on a proof's secret can never be a Nostr event's: the message is SHA256 of a
    /// text that starts `["P2PK"`, an event id SHA256 of one that starts `[0,`.
    func testAnEscrowSecretIsNeverAnEventSerialization() {
        XCTAssertTrue(lock.condition().secret.hasPrefix(#"["P2PK","#))
    }
}
