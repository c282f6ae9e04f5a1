@testable import Billing
import Foundation
import XCTest

final class CashuTokenTests: XCTestCase {
    func testDecodesTheV3Vector() throws {
        let token = try CashuToken.decode(CashuVectors.tokenV3)
        XCTAssertEqual(token.mint, "https://8333.space:3338")
        XCTAssertEqual(token.unit, "sat")
        XCTAssertEqual(token.memo, "Thank you.")
        XCTAssertEqual(token.amount, 10)
        XCTAssertEqual(token.proofs, [
            CashuProof(amount: 2, id: "009a1f293253e41e", secret: "407915bc212be61a77e3e6d2aeb4c727980bda51cd06a6afc29e2861768a7837",
                       C: "02bc9097997d81afb2cc7346b5e4345a9346bd2a506eb7958598a72f0cf85163ea"),
            CashuProof(amount: 8, id: "009a1f293253e41e", secret: "fe15109314e61d7756b0f8ee0f23a624acaa3f4e042f61433c728c7057b931be",
                       C: "029e8e5050b890a7d6c0968db16bc1d5d5fa040ea1de284f6ec69d61299f671059"),
        ])
        XCTAssertEqual(try CashuToken.decode(token.encodedV3()), token)
    }

    func testRefusesTheInvalidV3Vectors() {
        XCTAssertThrowsError(try CashuToken.decode(CashuVectors.tokenV3WrongPrefix))
        XCTAssertThrowsError(try CashuToken.decode(CashuVectors.tokenV3NoPrefix))
    }

    func testDecodesTheSingleKeysetV4VectorAndEncodesItByteForByte() throws {
        let token = try CashuToken.decode(CashuVectors.tokenV4Single)
        XCTAssertEqual(token.mint, "http://localhost:3338")
        XCTAssertEqual(token.unit, "sat")
        XCTAssertEqual(token.memo, "Thank you")
        XCTAssertEqual(token.proofs, [
            CashuProof(amount: 1, id: "00ad268c4d1f5826", secret: "9a6dbb847bd232ba76db0df197216b29d3b8cc14553cd27827fc1cc942fedb4e",
                       C: "038618543ffb6b8695df4ad4babcde92a34a96bdcd97dcee0d7ccf98d472126792"),
        ])
        XCTAssertEqual(token.encodedV4(), String(CashuVectors.tokenV4Single.drop { $0 == "=" }.reversed().drop { $0 == "=" }.reversed()))
    }

    func testDecodesTheMultiKeysetV4VectorAndEncodesItByteForByte() throws {
        let token = try CashuToken.decode(CashuVectors.tokenV4Multi)
        XCTAssertNil(token.memo)
        XCTAssertEqual(token.proofs.map(\.id), ["00ffd48b8f5ecf80", "00ad268c4d1f5826", "00ad268c4d1f5826"])
        XCTAssertEqual(token.proofs.map(\.amount), [1, 2, 1])
        XCTAssertEqual(token.proofs[1].C, "023456aa110d84b4ac747aebd82c3b005aca50bf457ebd5737a4414fac3ae7d94d")
        XCTAssertEqual(token.encodedV4(), String(CashuVectors.tokenV4Multi.reversed().drop { $0 == "=" }.reversed()))
    }

    func testAcceptsAURIPrefixWhitespaceAndPadding() throws {
        let plain = try CashuToken.decode(CashuVectors.tokenV4Multi)
        XCTAssertEqual(try CashuToken.decode("  cashu:\(CashuVectors.tokenV4Multi)\n"), plain)
        XCTAssertEqual(try CashuToken.decode(String(CashuVectors.tokenV4Multi.reversed().drop { $0 == "=" }.reversed())), plain)
    }

    func testKeepsWitnessAndDLEQThroughV4() throws {
        let proof = CashuProof(amount: 4, id: "01d58cfa1773f5d9", secret: "s", C: "02" + String(repeating: "ab", count: 32),
                               witness: #"{"signatures":["00"]}"#,
                               dleq: CashuProofDLEQ(e: String(repeating: "01", count: 32), s: String(repeating: "02", count: 32), r: String(repeating: "03", count: 32)))
        let token = CashuToken(mint: "http://mint", unit: "sat", proofs: [proof])
        XCTAssertEqual(try CashuToken.decode(token.encodedV4()), token)
        XCTAssertEqual(try CashuToken.decode(token.encodedV3()), token)
    }

    func testRefusesMalformedTokens() throws {
        let good = CashuProof(amount: 1, id: "00ad268c4d1f5826", secret: "x", C: "02" + String(repeating: "11", count: 32))
        func refuses(_ token: CashuToken, _ why: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try CashuToken.decode(token.encodedV4()), why, file: file, line: line)
            XCTAssertThrowsError(try CashuToken.decode(token.encodedV3()), why, file: file, line: line)
        }
        refuses(CashuToken(mint: "http://m", unit: "sat", proofs: []), "no proofs")
        var zero = good; zero.amount = 0
        refuses(CashuToken(mint: "http://m", unit: "sat", proofs: [zero]), "zero amount")
        var shortC = good; shortC.C = "02abcd"
        refuses(CashuToken(mint: "http://m", unit: "sat", proofs: [shortC]), "short C")
        var shortID = good; shortID.id = "00ad"
        refuses(CashuToken(mint: "http://m", unit: "sat", proofs: [shortID]), "short keyset id")
        var big = good; big.amount = UInt64.max
        refuses(CashuToken(mint: "http://m", unit: "sat", proofs: [big, good]), "overflow")
        refuses(CashuToken(mint: "", unit: "sat", proofs: [good]), "no mint")

        XCTAssertThrowsError(try CashuToken.decode("cashuB"))
        XCTAssertThrowsError(try CashuToken.decode("cashuB!!!!"))
        XCTAssertThrowsError(try CashuToken.decode("cashuA" + CashuBase64URL.encode(Array(#"{"token":[]}"#.utf8))))
        XCTAssertThrowsError(try CashuToken.decode("cashuA" + CashuBase64URL.encode(Array(#"{"token":[{"mint":"a","proofs":[{"amount":-1,"id":"00ad268c4d1f5826","secret":"x","C":"02"}]}]}"#.utf8))))
        // A V4 map whose t is not an array, and one with a proof missing its signature.
        let noArray = CashuCBOR.map([(.text("m"), .text("http://m")), (.text("u"), .text("sat")), (.text("t"), .text("x"))])
        XCTAssertThrowsError(try CashuToken.decode("cashuB" + CashuBase64URL.encode(noArray.encoded())))
        let noC = CashuCBOR.map([(.text("m"), .text("http://m")), (.text("u"), .text("sat")), (.text("t"), .array([
            .map([(.text("i"), .bytes([0, 1, 2, 3, 4, 5, 6, 7])), (.text("p"), .array([.map([(.text("a"), .unsigned(1)), (.text("s"), .text("x"))])]))]),
        ]))])
        XCTAssertThrowsError(try CashuToken.decode("cashuB" + CashuBase64URL.encode(noC.encoded())))
    }

    func testRefusesAV3TokenSpanningTwoMints() {
        let proof = #"{"amount":1,"id":"00ad268c4d1f5826","secret":"x","C":"02\#(String(repeating: "11", count: 32))"}"#
        let json = #"{"token":[{"mint":"https://a","proofs":[\#(proof)]},{"mint":"https://b","proofs":[\#(proof)]}]}"#
        XCTAssertThrowsError(try CashuToken.decode("cashuA" + CashuBase64URL.encode(Array(json.utf8))))
        let same = #"{"token":[{"mint":"https://a","proofs":[\#(proof)]},{"mint":"https://a/","proofs":[\#(proof)]}]}"#
        XCTAssertEqual(try CashuToken.decode("cashuA" + CashuBase64URL.encode(Array(same.utf8))).proofs.count, 2)
    }

    func testProofsNeverPrintTheirSecret() {
        let proof = CashuProof(amount: 1, id: "00ad268c4d1f5826", secret: "very-secret", C: "02" + String(repeating: "11", count: 32))
        XCTAssertFalse("\(proof)".contains("very-secret"))
        XCTAssertFalse("\([proof])".contains("very-secret"))
        var dumped = ""
        dump(proof, to: &dumped)
        XCTAssertFalse(dumped.contains("very-secret"))
        let output = CashuPreparedOutput(amount: 1, keysetID: "k", secret: "very-secret", blindingFactor: "very-secret-r", blinded: "02")
        let swap = CashuPendingSwap(id: "i", reference: "r", mint: "m", unit: "sat", inputs: [proof], outputs: [output], fee: 0, createdAt: Date())
        XCTAssertFalse("\(swap)".contains("very-secret"))
        XCTAssertFalse("\(EcashRecord(pending: swap))".contains("very-secret"))
    }

    func testNormalizesMintURLs() {
        XCTAssertEqual(CashuMintURL.normalize("HTTPS://Mint.Example.com:443/"), "https://mint.example.com")
        XCTAssertEqual(CashuMintURL.normalize("http://127.0.0.1:13338//"), "http://127.0.0.1:13338")
        XCTAssertEqual(CashuMintURL.normalize(" https://mint.example.com/cashu/ "), "https://mint.example.com/cashu")
        XCTAssertNotEqual(CashuMintURL.normalize("https://mint.example.com"), CashuMintURL.normalize("http://mint.example.com"))
    }

    func testBase64URLRoundTripsEveryLength() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            XCTAssertEqual(CashuBase64URL.decode(Substring(CashuBase64URL.encode(bytes))), bytes)
        }
        XCTAssertNil(CashuBase64URL.decode("a"))
        XCTAssertNil(CashuBase64URL.decode("ab$d"))
    }

    func testANutzapsProofTagsMakeAToken() throws {
        // C is the generator point: the decoder checks it is a curve point.
        let proof = #"{"amount":8,"id":"009a1f293253e41e","secret":"abc","C":"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798","dleq":{"e":"\#(String(repeating: "01", count: 32))","s":"\#(String(repeating: "02", count: 32))","r":"\#(String(repeating: "03", count: 32))"}}"#
        let token = try CashuToken(nutzapMint: "https://mint.example.com", unit: "sat", proofs: [proof, proof])
        XCTAssertEqual(token.amount, 16)
        XCTAssertEqual(token.proofs.first?.dleq?.e, String(repeating: "01", count: 32))
        let text = token.encodedV3()
        XCTAssertTrue(text.hasPrefix("cashuA"))
        XCTAssertFalse(text.contains("="))
        XCTAssertEqual(try CashuToken.decode(text), token)
        XCTAssertThrowsError(try CashuToken(nutzapMint: "https://mint.example.com", unit: "sat", proofs: ["not json", proof])) { error in
            XCTAssertEqual("\(error)", "the Cashu token is malformed: proof tag 1 is not a Cashu proof")
        }
        XCTAssertThrowsError(try CashuToken(nutzapMint: "https://mint.example.com", unit: "sat", proofs: []))
    }
}
