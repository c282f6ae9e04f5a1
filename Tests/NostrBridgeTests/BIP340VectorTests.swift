import NostrBridge
import XCTest

final class BIP340VectorTests: XCTestCase {
    struct Row {
        let index: String
        let secretKey: String
        let publicKey: String
        let auxRand: String
        let message: String
        let signature: String
        let expected: Bool
        let comment: String
    }

    func rows() throws -> [Row] {
        let text = String(decoding: try VectorFiles.load("bip340-test-vectors.csv"), as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).dropFirst()
        let parsed = try lines.map { line -> Row in
            let fields = line.split(separator: ",", maxSplits: 7, omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(fields.count, 8, "malformed row: \(line)")
            guard fields.count == 8 else { throw XCTSkip("malformed CSV") }
            return Row(
                index: fields[0], secretKey: fields[1], publicKey: fields[2], auxRand: fields[3], message: fields[4],
                signature: fields[5], expected: fields[6] == "TRUE", comment: fields[7])
        }
        XCTAssertEqual(parsed.count, 19, "the pinned vector file has 19 rows")
        return parsed
    }

    func testSigningRowsReproduceSignaturesExactly() throws {
        var signed = 0
        for row in try rows() where !row.secretKey.isEmpty {
            let key = try SecretKey(hex: row.secretKey)
            XCTAssertEqual(key.publicKey.hex, row.publicKey.lowercased(), "row \(row.index): derived public key")
            let signature = try key.sign(try hexBytes(row.message), auxiliaryRandomness: try hexBytes(row.auxRand))
            XCTAssertEqual(Hex.encode(signature), row.signature.lowercased(), "row \(row.index): signature")
            XCTAssertTrue(key.publicKey.isValidSignature(signature, for: try hexBytes(row.message)), "row \(row.index)")
            signed += 1
        }
        XCTAssertEqual(signed, 8)
    }

    func testEveryRowVerifiesToTheExpectedResult() throws {
        for row in try rows() {
            let message = try hexBytes(row.message)
            let signature = try hexBytes(row.signature)
            let result: Bool
            do {
                result = try PublicKey(hex: row.publicKey).isValidSignature(signature, for: message)
            } catch {
                // Typed throws: `error` is a KeyError. An off-curve or out-of-range key cannot verify anything.
                XCTAssertEqual(error, .invalidPublicKey, "row \(row.index)")
                XCTAssertTrue(row.comment.contains("public key"), "row \(row.index) rejected at key parsing: \(row.comment)")
                result = false
            }
            XCTAssertEqual(result, row.expected, "row \(row.index): \(row.comment)")
        }
    }
}
