@testable import Billing
import NostrBridge
import XCTest

final class NWCConnectionURITests: XCTestCase {
    private let wallet = "b889ff5b1513b641e2a139f661a661364979c5beee91842f8f0ef42ab558e9d4"
    private let secret = "71a8c14c1407c113601079c4302dab36460f0ccd0ad506f1f2dc73b5100e4f3c"

    func testParsesTheNIPExampleWithAPercentEncodedRelay() throws {
        let uri = try NWCConnectionURI(parsing: "nostr+walletconnect://\(wallet)?relay=wss%3A%2F%2Frelay.damus.io&secret=\(secret)")
        XCTAssertEqual(uri.walletPublicKey.hex, wallet)
        XCTAssertEqual(uri.relays, ["wss://relay.damus.io"])
        XCTAssertEqual(uri.secret.exportHex(), secret)
        XCTAssertEqual(uri.secret.publicKey, try SecretKey(hex: secret).publicKey)
        XCTAssertNil(uri.lud16)
    }

    func testKeepsSeveralRelaysInOrderWithoutDuplicatesAndReadsLud16() throws {
        let text = "nostr+walletconnect://\(wallet)?secret=\(secret)&relay=ws://127.0.0.1:17001&relay=wss%3A%2F%2Fb.example%2Fnwc"
            + "&relay=ws://127.0.0.1:17001&lud16=alice%40example.com&future=1"
        let uri = try NWCConnectionURI(parsing: text)
        XCTAssertEqual(uri.relays, ["ws://127.0.0.1:17001", "wss://b.example/nwc"])
        XCTAssertEqual(uri.lud16, "alice@example.com")
    }

    func testAcceptsTheOldSchemeWithoutSlashesUppercaseHexAndSurroundingSpace() throws {
        let uri = try NWCConnectionURI(parsing: "  nostr+walletconnect:\(wallet.uppercased())?relay=wss://r.example&secret=\(secret.uppercased())\n")
        XCTAssertEqual(uri.walletPublicKey.hex, wallet)
        XCTAssertEqual(uri.secret.exportHex(), secret)
    }

    func testRefusesBadConnectionsWithTheRightCode() {
        let cases: [(String, NWCConnectionURIError.Code)] = [
            ("nostr+wallet://\(wallet)?relay=wss://r.example&secret=\(secret)", .wrongScheme),
            ("https://\(wallet)?relay=wss://r.example&secret=\(secret)", .wrongScheme),
            ("nostr+walletconnect://?relay=wss://r.example&secret=\(secret)", .badWalletPublicKey),
            ("nostr+walletconnect://\(wallet.dropLast(2))?relay=wss://r.example&secret=\(secret)", .badWalletPublicKey),
            ("nostr+walletconnect://\(String(repeating: "g", count: 64))?relay=wss://r.example&secret=\(secret)", .badWalletPublicKey),
            ("nostr+walletconnect://\(wallet)?secret=\(secret)", .missingRelay),
            ("nostr+walletconnect://\(wallet)?relay=https://r.example&secret=\(secret)", .badRelay),
            ("nostr+walletconnect://\(wallet)?relay=wss://&secret=\(secret)", .badRelay),
            ("nostr+walletconnect://\(wallet)?relay=wss://r.example", .missingSecret),
            ("nostr+walletconnect://\(wallet)?relay=wss://r.example&secret=abc", .badSecret),
            ("nostr+walletconnect://\(wallet)?relay=wss://r.example&secret=\(String(repeating: "0", count: 64))", .badSecret),
            ("nostr+walletconnect://\(wallet)?relay=wss://r.example&secret=\(secret)&secret=\(secret)", .badSecret),
            ("nostr+walletconnect://\(wallet)?relay&secret=\(secret)", .badParameter),
        ]
        for (text, code) in cases {
            XCTAssertThrowsError(try NWCConnectionURI(parsing: text), text) { error in
                guard let error = error as? NWCConnectionURIError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.code, code, "\(text): \(error)")
            }
        }
    }

    func testTheSecretNeverAppearsInDescriptionsOrErrors() throws {
        let uri = try NWCConnectionURI(parsing: "nostr+walletconnect://\(wallet)?relay=wss://r.example&secret=\(secret)&lud16=a@b.c")
        for text in [uri.description, String(describing: uri), String(reflecting: uri), "\(uri)", dumped(uri)] {
            XCTAssertFalse(text.contains(secret), text)
        }
        XCTAssertTrue(uri.description.contains("secret=<redacted>"), uri.description)
        XCTAssertTrue(uri.description.contains(wallet))

        let badSecret = secret.dropLast() + "x"
        XCTAssertThrowsError(try NWCConnectionURI(parsing: "nostr+walletconnect://\(wallet)?relay=wss://r.example&secret=\(badSecret)")) { error in
            XCTAssertFalse("\(error)".contains(badSecret), "\(error)")
        }
    }

    func testExportWithSecretRoundTrips() throws {
        let uri = try NWCConnectionURI(parsing: "nostr+walletconnect://\(wallet)?relay=wss://a.example/x&relay=ws://127.0.0.1:1&secret=\(secret)&lud16=a@b.c")
        let again = try NWCConnectionURI(parsing: uri.exportWithSecret())
        XCTAssertEqual(again.walletPublicKey, uri.walletPublicKey)
        XCTAssertEqual(again.relays, uri.relays)
        XCTAssertEqual(again.secret.exportHex(), secret)
        XCTAssertEqual(again.lud16, "a@b.c")
    }

    private func dumped(_ value: some Any) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }
}
