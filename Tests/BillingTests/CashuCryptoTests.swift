@testable import Billing
import NostrBridge
import XCTest

final class CashuCryptoTests: XCTestCase {
    private func bytes(_ hex: String) -> [UInt8] { Hex.decode(hex)! }
    private func point(_ hex: String) -> CashuPoint { CashuPoint(hex: hex)! }

    func testHashToCurveVectors() {
        let vectors = [
            ("0000000000000000000000000000000000000000000000000000000000000000", "024cce997d3b518f739663b757deaec95bcd9473c30a14ac2fd04023a739d1a725"),
            ("0000000000000000000000000000000000000000000000000000000000000001", "022e7158e11c9506f1aa4248bf531298daa7febd6194f003edcd9b93ade6253acf"),
            ("0000000000000000000000000000000000000000000000000000000000000002", "026cdbe15362df59cd1dd3c9c11de8aedac2106eca69236ecd9fbe117af897be4f"),
        ]
        for (message, expected) in vectors {
            XCTAssertEqual(CashuBDHKE.hashToCurve(bytes(message))?.hex, expected)
        }
    }

    func testBlindedMessageVectors() {
        let vectors = [
            ("d341ee4871f1f889041e63cf0d3823c713eea6aff01e80f1719f08f9e5be98f6", "99fce58439fc37412ab3468b73db0569322588f62fb3a49182d67e23d877824a",
             "033b1a9737a40cc3fd9b6af4b723632b76a67a36782596304612a6c2bfb5197e6d"),
            ("f1aaf16c2239746f369572c0784d9dd3d032d952c2d992175873fb58fae31a60", "f78476ea7cc9ade20f9e05e58a804cf19533f03ea805ece5fee88c8e2874ba50",
             "029bdf2d716ee366eddf599ba252786c1033f47e230248a4612a5670ab931f1763"),
        ]
        for (x, r, expected) in vectors {
            let y = CashuBDHKE.hashToCurve(bytes(x))!
            XCTAssertEqual(y.adding(CashuPoint.generatorTimes(bytes(r))!)?.hex, expected)
        }
    }

    func testBlindSignatureVectors() {
        let blinded = point("02a9acc1e48c25eeeb9289b5031cc57da9fe72f3fe2861d264bdc074209b107ba2")
        XCTAssertEqual(CashuBDHKE.sign(blinded, mintSecret: bytes("0000000000000000000000000000000000000000000000000000000000000001"))?.hex,
                       "02a9acc1e48c25eeeb9289b5031cc57da9fe72f3fe2861d264bdc074209b107ba2")
        XCTAssertEqual(CashuBDHKE.sign(blinded, mintSecret: bytes("7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f"))?.hex,
                       "0398bc70ce8184d27ba89834d19f5199c84443c31131e48d3c1214db24247d005d")
    }

    func testUnblindingGivesTheMintsSignatureOnY() {
        let k = CashuScalar.random()
        let mintKey = CashuPoint.generatorTimes(k)!
        let secret = "a secret"
        let r = CashuScalar.random()
        let blinded = CashuBDHKE.blind(secret: secret, r: r)!
        let c = CashuBDHKE.unblind(CashuBDHKE.sign(blinded, mintSecret: k)!, r: r, mintKey: mintKey)!
        XCTAssertEqual(c, CashuBDHKE.hashToCurve(secret: secret)!.times(k)!)
    }

    func testDLEQHashVector() {
        let one = point("020000000000000000000000000000000000000000000000000000000000000001")
        let c = point("02a9acc1e48c25eeeb9289b5031cc57da9fe72f3fe2861d264bdc074209b107ba2")
        XCTAssertEqual(Hex.encode(CashuDLEQ.hash([one, one, one, c])), "a4dc034b74338c28c6bc3ea49731f2a24440fc7c4affc08b31a93fc9fbe6401e")
    }

    func testDLEQOnABlindSignatureVector() {
        let a = point("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
        let b = point("02a9acc1e48c25eeeb9289b5031cc57da9fe72f3fe2861d264bdc074209b107ba2")
        let e = bytes("9818e061ee51d5c8edc3342369a554998ff7b4381c8652d724cdf46429be73d9")
        let s = bytes("9818e061ee51d5c8edc3342369a554998ff7b4381c8652d724cdf46429be73da")
        XCTAssertTrue(CashuDLEQ.verify(e: e, s: s, mintKey: a, blinded: b, blindSignature: b))
        var tampered = s
        tampered[31] ^= 1
        XCTAssertFalse(CashuDLEQ.verify(e: e, s: tampered, mintKey: a, blinded: b, blindSignature: b))
        XCTAssertFalse(CashuDLEQ.verify(e: e, s: s, mintKey: point("02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"), blinded: b, blindSignature: b))
    }

    func testDLEQDeterministicNonceVectorVerifies() {
        XCTAssertTrue(CashuDLEQ.verify(
            e: bytes("be53688e1952a916726cf4f031584404c6a79b32ccf0b58f3db9a46794abc1dc"),
            s: bytes("1d6ecdf7ca128c90f65bd64e1f894fad985be8af6b350fece5ca4e9e259a54ad"),
            mintKey: point("02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"),
            blinded: point("02a9acc1e48c25eeeb9289b5031cc57da9fe72f3fe2861d264bdc074209b107ba2"),
            blindSignature: point("0244eccfc7a348274458bb38044c7f3c389b3c2086c7ec18b5812d2877ab937787")))
    }

    func testDLEQOnAProofVector() {
        let a = point("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
        var proof = CashuProof(
            amount: 1, id: "00882760bfa2eb41", secret: "daf4dd00a2b68a0858a80450f52c8a7d2ccf87d375e43e216e0c571f089f63e9",
            C: "024369d2d22a80ecf78f3937da9d5f30c1b9f74f0c32684d583cca0fa6a61cdcfc",
            dleq: CashuProofDLEQ(e: "b31e58ac6527f34975ffab13e70a48b6d2b0d35abc4b03f0151f09ee1a9763d4",
                                 s: "8fbae004c59e754d71df67e392b6ae4e29293113ddc2ec86592a0431d16306d8",
                                 r: "a6d13fcd7a18442e6076f5e1e7c887ad5de40a019824bdfa9fe740d302e8d861"))
        XCTAssertTrue(CashuDLEQ.verify(proof, mintKey: a))
        proof.secret = "daf4dd00a2b68a0858a80450f52c8a7d2ccf87d375e43e216e0c571f089f63ea"
        XCTAssertFalse(CashuDLEQ.verify(proof, mintKey: a))
    }

    func testASimulatedMintsDLEQVerifies() {
        let k = CashuScalar.random()
        let blinded = CashuBDHKE.blind(secret: "x", r: CashuScalar.random())!
        let signature = CashuBDHKE.sign(blinded, mintSecret: k)!
        let (e, s) = CashuDLEQ.prove(mintSecret: k, blinded: blinded, blindSignature: signature)!
        XCTAssertTrue(CashuDLEQ.verify(e: e, s: s, mintKey: CashuPoint.generatorTimes(k)!, blinded: blinded, blindSignature: signature))
        XCTAssertFalse(CashuDLEQ.verify(e: e, s: s, mintKey: CashuPoint.generatorTimes(CashuScalar.random())!, blinded: blinded, blindSignature: signature))
    }

    func testKeysetIDVectors() {
        XCTAssertEqual(CashuKeyset(id: "00456a94ab4e1c46", unit: "sat", keys: CashuVectors.fourKeys).derivedIDs(), ["00456a94ab4e1c46"])
        let v2 = CashuKeyset(id: "01adc013fa9d85171586660abab27579888611659d357bc86bc09cb26eee8bc035", unit: "sat",
                             keys: CashuVectors.fourKeys, finalExpiry: 2_059_210_353)
        XCTAssertTrue(v2.idMatchesKeys)
        var wrongUnit = v2
        wrongUnit.unit = "usd"
        XCTAssertFalse(wrongUnit.idMatchesKeys)
        var swapped = v2
        swapped.keys[1] = CashuVectors.fourKeys[2]
        swapped.keys[2] = CashuVectors.fourKeys[1]
        XCTAssertFalse(swapped.idMatchesKeys)
        // nutshell 0.21's spelling of version 01 (the test bed's mint uses it).
        let nutshell = CashuKeyset(id: "01" + Hex.encode(cashuSHA256(Array(
            CashuVectors.fourKeys.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",").appending("|unit:sat").utf8))),
            unit: "sat", keys: CashuVectors.fourKeys)
        XCTAssertTrue(nutshell.idMatchesKeys)
        XCTAssertFalse(CashuKeyset(id: "02abcdef", unit: "sat", keys: CashuVectors.fourKeys).idMatchesKeys)
    }

    func testPointParsingRefusesOffCurveAndWrongLengths() {
        XCTAssertNil(CashuPoint(hex: "02" + String(repeating: "00", count: 32)))
        XCTAssertNil(CashuPoint(hex: "05" + String(repeating: "11", count: 32)))
        XCTAssertNil(CashuPoint(hex: "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f817"))
        XCTAssertNotNil(CashuPoint(hex: "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"))
    }

    func testDenominationsAndFees() {
        XCTAssertEqual(CashuOutputs.denominations(of: 13), [1, 4, 8])
        XCTAssertEqual(CashuOutputs.denominations(of: 0), [])
        XCTAssertEqual(CashuOutputs.denominations(of: 1 << 63).count, 1)
        let proofs = (0..<3).map { CashuProof(amount: 1, id: "k", secret: "\($0)", C: "") }
        XCTAssertEqual(CashuOutputs.fee(inputs: proofs, keysets: ["k": CashuKeyset(id: "k", unit: "sat", keys: [:], inputFeePPK: 100)]), 1)
        XCTAssertEqual(CashuOutputs.fee(inputs: proofs, keysets: ["k": CashuKeyset(id: "k", unit: "sat", keys: [:], inputFeePPK: 400)]), 2)
        XCTAssertEqual(CashuOutputs.fee(inputs: proofs, keysets: ["k": CashuKeyset(id: "k", unit: "sat", keys: [:])]), 0)
    }

    func testRedemptionIDIgnoresProofOrder() {
        let ys = ["a", "b", "c"].map { CashuBDHKE.hashToCurve(secret: $0)! }
        XCTAssertEqual(CashuOutputs.redemptionID(ys: ys), CashuOutputs.redemptionID(ys: ys.reversed()))
        XCTAssertNotEqual(CashuOutputs.redemptionID(ys: ys), CashuOutputs.redemptionID(ys: Array(ys.prefix(2))))
        XCTAssertEqual(CashuOutputs.redemptionID(ys: ys).count, 64)
    }
}
