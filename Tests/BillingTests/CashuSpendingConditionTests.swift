@testable import Billing
import NostrBridge
import XCTest

final class CashuSpendingConditionTests: XCTestCase {
    func testParsesAP2PKSecret() throws {
        let condition = try XCTUnwrap(CashuSpendingCondition.parse(secret: CashuVectors.p2pkSecret))
        XCTAssertEqual(condition.kind, "P2PK")
        XCTAssertEqual(condition.data, "0249098aa8b9d2fbec49ff8598feb17b592b986e62319a4fa488a3dc36387157a7")
        XCTAssertEqual(condition.nonce, "859d4935c4907062a6297cf4e663e2835d90d97ecdd510745d32f6816323a41f")
        XCTAssertEqual(condition.sigflag, "SIG_INPUTS")
        XCTAssertEqual(condition.requiredSignatures, 1)
        XCTAssertEqual(condition.signingKeys, [condition.data])
    }

    func testReadsMultisigSigAllAndHTLC() throws {
        let multisig = try XCTUnwrap(CashuSpendingCondition.parse(secret: CashuVectors.multisigSecret))
        XCTAssertEqual(multisig.requiredSignatures, 2)
        XCTAssertEqual(multisig.signingKeys.count, 3)
        XCTAssertEqual(try XCTUnwrap(CashuSpendingCondition.parse(secret: CashuVectors.sigAllSecret)).sigflag, "SIG_ALL")
        XCTAssertEqual(try XCTUnwrap(CashuSpendingCondition.parse(secret: CashuVectors.htlcSecret)).kind, "HTLC")
    }

    func testPlainAndMalformedSecretsAreNotConditions() {
        XCTAssertNil(CashuSpendingCondition.parse(secret: "407915bc212be61a77e3e6d2aeb4c727980bda51cd06a6afc29e2861768a7837"))
        XCTAssertNil(CashuSpendingCondition.parse(secret: "[\"P2PK\"]"))
        XCTAssertNil(CashuSpendingCondition.parse(secret: "[\"P2PK\",{\"nonce\":\"x\"}]"))
        XCTAssertNil(CashuSpendingCondition.parse(secret: "[\"P2PK\",{\"data\":\"x\",\"tags\":[[1]]}]"))
        XCTAssertNil(CashuSpendingCondition.parse(secret: "[not json"))
    }

    /// The vector's witness is a BIP-340 signature over SHA256(secret): the same message this code signs.
    func testTheVectorWitnessSignsSHA256OfTheSecret() throws {
        let key = try PublicKey(hex: String(try XCTUnwrap(CashuSpendingCondition.parse(secret: CashuVectors.p2pkSecret)).data.dropFirst(2)))
        XCTAssertTrue(key.isValidSignature(Hex.decode(CashuVectors.p2pkSignature)!, for: cashuSHA256(Array(CashuVectors.p2pkSecret.utf8))))
    }

    func testMakesAWitnessTheLockKeyVerifies() throws {
        let key = SecretKey.generate()
        let secret = #"["P2PK",{"nonce":"00","data":"02\#(key.publicKey.hex)","tags":[]}]"#
        let witness = try CashuP2PKWitness.make(secret: secret, signer: key)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(witness.utf8)) as? [String: [String]])
        let signature = try XCTUnwrap(object["signatures"]?.first)
        XCTAssertTrue(key.publicKey.isValidSignature(Hex.decode(signature)!, for: cashuSHA256(Array(secret.utf8))))
    }

    func testMatchesLockKeysByXCoordinate() {
        let x = String(repeating: "ab", count: 32)
        XCTAssertTrue(CashuP2PKWitness.key("02" + x, is: x))
        XCTAssertTrue(CashuP2PKWitness.key("03" + x.uppercased(), is: x))
        XCTAssertTrue(CashuP2PKWitness.key(x, is: x))
        XCTAssertFalse(CashuP2PKWitness.key("04" + x, is: x))
        XCTAssertFalse(CashuP2PKWitness.key("02" + String(repeating: "cd", count: 32), is: x))
    }
}
