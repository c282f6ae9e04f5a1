import Foundation
import NostrBridge
import XCTest
@testable import Billing

final class Bolt11Tests: XCTestCase {
    // MARK: the specification's valid examples

    func testDonationOfAnyAmount() throws {
        let invoice = try Bolt11Invoice.decode(Bolt11Vectors.donation)
        XCTAssertEqual(invoice.network, .bitcoin)
        XCTAssertNil(invoice.amountMsats)
        XCTAssertEqual(invoice.timestamp, Date(timeIntervalSince1970: Bolt11Vectors.timestamp))
        XCTAssertEqual(invoice.paymentHash, Bolt11Vectors.hash)
        XCTAssertEqual(invoice.description, "Please consider supporting this project")
        XCTAssertNil(invoice.descriptionHash)
        XCTAssertNil(invoice.paymentSecret)
        XCTAssertEqual(invoice.expirySeconds, 3600, "the default expiry")
        XCTAssertEqual(invoice.expiresAt, Date(timeIntervalSince1970: Bolt11Vectors.timestamp + 3600))
        XCTAssertEqual(invoice.minFinalCltvExpiry, 18, "the default min_final_cltv_expiry")
        XCTAssertEqual(invoice.payeePubkey, Bolt11Vectors.payee, "recovered from the signature")
    }

    func testCupOfCoffeeWithinOneMinute() throws {
        let invoice = try Bolt11Invoice.decode(Bolt11Vectors.coffee)
        XCTAssertEqual(invoice.amountMsats, 250_000_000, "2500u = 0.0025 BTC")
        XCTAssertEqual(invoice.paymentHash, Bolt11Vectors.hash)
        XCTAssertEqual(invoice.description, "1 cup coffee")
        XCTAssertEqual(invoice.expirySeconds, 60)
        XCTAssertEqual(invoice.expiresAt, Date(timeIntervalSince1970: Bolt11Vectors.timestamp + 60))
        XCTAssertEqual(invoice.payeePubkey, Bolt11Vectors.payee)
        XCTAssertFalse(invoice.isExpired(at: Date(timeIntervalSince1970: Bolt11Vectors.timestamp + 59)))
        XCTAssertTrue(invoice.isExpired(at: Date(timeIntervalSince1970: Bolt11Vectors.timestamp + 60)))
    }

    func testUTF8Description() throws {
        let invoice = try Bolt11Invoice.decode(Bolt11Vectors.nonsense)
        XCTAssertEqual(invoice.description, "ナンセンス 1杯")
        XCTAssertEqual(invoice.amountMsats, 250_000_000)
        XCTAssertEqual(invoice.payeePubkey, Bolt11Vectors.payee)
    }

    func testHashedDescription() throws {
        let invoice = try Bolt11Invoice.decode(Bolt11Vectors.hashedDescription)
        XCTAssertEqual(invoice.amountMsats, 2_000_000_000, "20m = 0.02 BTC")
        XCTAssertNil(invoice.description)
        // SHA-256 of the specification's list of things, computed independently.
        XCTAssertEqual(invoice.descriptionHash, "3925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c1")
        XCTAssertEqual(invoice.payeePubkey, Bolt11Vectors.payee)
    }

    func testTestnetWithFallbackAddress() throws {
        let invoice = try Bolt11Invoice.decode(Bolt11Vectors.testnetFallback)
        XCTAssertEqual(invoice.network, .testnet)
        XCTAssertEqual(invoice.amountMsats, 2_000_000_000)
        XCTAssertEqual(invoice.paymentHash, Bolt11Vectors.hash)
        XCTAssertEqual(invoice.payeePubkey, Bolt11Vectors.payee)
    }

    func testFallbackAndRoutingFieldsAreSkipped() throws {
        for text in [Bolt11Vectors.routingHints, Bolt11Vectors.p2wsh] {
            let invoice = try Bolt11Invoice.decode(text)
            XCTAssertEqual(invoice.network, .bitcoin)
            XCTAssertEqual(invoice.paymentHash, Bolt11Vectors.hash)
            XCTAssertEqual(invoice.descriptionHash, "3925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c1")
            XCTAssertEqual(invoice.payeePubkey, Bolt11Vectors.payee)
        }
    }

    func testPicoAmountExpiryOfAWeekAndCltv() throws {
        let invoice = try Bolt11Invoice.decode(Bolt11Vectors.pico)
        XCTAssertEqual(invoice.amountMsats, 967_878_534, "9678785340p = 967878534 msats")
        XCTAssertEqual(invoice.timestamp, Date(timeIntervalSince1970: 1_572_468_703))
        XCTAssertEqual(invoice.paymentHash, "462264ede7e14047e9b249da94fefc47f41f7d02ee9b091815a5506bc8abf75f")
        XCTAssertEqual(invoice.expirySeconds, 604_800)
        XCTAssertEqual(invoice.minFinalCltvExpiry, 10)
        XCTAssertEqual(invoice.description?.hasPrefix("Blockstream Store: 88.85 USD for Blockstream Ledger Nano S x 1"), true)
        XCTAssertEqual(invoice.payeePubkey, Bolt11Vectors.payee)
    }

    func testPaymentSecretAndFeatures() throws {
        let invoice = try Bolt11Invoice.decode(Bolt11Vectors.coffeeBeans)
        XCTAssertEqual(invoice.amountMsats, 2_500_000_000)
        XCTAssertEqual(invoice.description, "coffee beans")
        XCTAssertEqual(invoice.paymentSecret, String(repeating: "11", count: 32))
        XCTAssertEqual(invoice.payeePubkey, Bolt11Vectors.payee)
    }

    func testUpperCaseAndURIPrefix() throws {
        let lower = try Bolt11Invoice.decode(Bolt11Vectors.coffeeBeans)
        XCTAssertEqual(try Bolt11Invoice.decode(Bolt11Vectors.coffeeBeansUpper), lower)
        XCTAssertEqual(try Bolt11Invoice.decode("lightning:" + Bolt11Vectors.coffeeBeans), lower)
        XCTAssertEqual(try Bolt11Invoice.decode("LIGHTNING:" + Bolt11Vectors.coffeeBeansUpper), lower)
        XCTAssertEqual(try Bolt11Invoice.decode(" \(Bolt11Vectors.coffeeBeans)\n"), lower)
    }

    func testFieldsOfWrongLengthAndUnknownFieldsAreIgnored() throws {
        // The ignored p, h, s and n fields (51, 53 and 54 words) must neither replace the valid
        // ones nor count as a second payment hash; the zero n of 52 words must not be verified
        // against, so the payee is still recovered.
        let invoice = try Bolt11Invoice.decode(Bolt11Vectors.coffeeBeansIgnoredFields)
        XCTAssertEqual(invoice, try Bolt11Invoice.decode(Bolt11Vectors.coffeeBeans))
    }

    // MARK: the specification's invalid examples

    func testBadChecksum() {
        XCTAssertRefused(Bolt11Vectors.badChecksum, mentioning: "checksum")
    }

    func testMissingSeparator() {
        XCTAssertRefused(Bolt11Vectors.noSeparator, mentioning: "no '1' separating")
    }

    func testMixedCase() {
        XCTAssertRefused(Bolt11Vectors.mixedCase, mentioning: "case")
    }

    func testUnrecoverableSignature() {
        XCTAssertRefused(Bolt11Vectors.unrecoverableSignature, mentioning: "signature")
    }

    func testTooShort() {
        XCTAssertRefused(Bolt11Vectors.tooShort, mentioning: "too short")
    }

    func testBadMultiplier() {
        XCTAssertRefused(Bolt11Vectors.badMultiplier, mentioning: "not a multiplier")
    }

    func testSubMillisatoshiPicoAmount() {
        XCTAssertRefused(Bolt11Vectors.subMillisatoshi, mentioning: "must end in 0")
    }

    // MARK: forged invoices

    func testPayeeKeyFieldIsVerifiedNotRecovered() throws {
        let text = Bolt11Forge.invoice(fields: [
            .hex("p", Bolt11Vectors.hash), .text("d", "with n"), .hex("n", Bolt11Vectors.payee),
        ])
        let invoice = try Bolt11Invoice.decode(text)
        XCTAssertEqual(invoice.payeePubkey, Bolt11Vectors.payee)
        XCTAssertEqual(invoice.description, "with n")
    }

    func testSignatureNotByTheStatedPayeeIsRefused() {
        // n names the generator point's key (private key 1); the spec key signed.
        let other = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
        let text = Bolt11Forge.invoice(fields: [.hex("p", Bolt11Vectors.hash), .hex("n", other)])
        XCTAssertRefused(text, mentioning: "not made by the payee key in the n field")
    }

    func testInvalidPayeeKeyIsRefused() {
        let text = Bolt11Forge.invoice(fields: [.hex("p", Bolt11Vectors.hash), .hex("n", "05" + String(repeating: "11", count: 32))])
        XCTAssertRefused(text, mentioning: "not a valid public key")
    }

    func testMissingPaymentHash() {
        XCTAssertRefused(Bolt11Forge.invoice(fields: [.text("d", "no hash")]), mentioning: "no valid payment hash")
    }

    func testTwoPaymentHashes() {
        let other = String(repeating: "ab", count: 32)
        let text = Bolt11Forge.invoice(fields: [.hex("p", Bolt11Vectors.hash), .hex("p", other)])
        XCTAssertRefused(text, mentioning: "more than one valid payment hash")
    }

    func testInvalidUTF8Description() {
        let text = Bolt11Forge.invoice(fields: [.hex("p", Bolt11Vectors.hash), .bytes("d", [0x66, 0xff, 0x66])])
        XCTAssertRefused(text, mentioning: "not valid UTF-8")
    }

    func testNetworks() throws {
        let expected: [(String, Bolt11Network, Int64?)] = [
            ("lnbc", .bitcoin, nil), ("lntb10u", .testnet, 1_000_000), ("lntbs20n", .signet, 2_000),
            ("lnbcrt1", .regtest, 100_000_000_000), ("lnbcrt5m", .regtest, 500_000_000),
            ("lnbc10p", .bitcoin, 1),
        ]
        for (hrp, network, amount) in expected {
            let invoice = try Bolt11Invoice.decode(Bolt11Forge.invoice(hrp: hrp, fields: [.hex("p", Bolt11Vectors.hash)]))
            XCTAssertEqual(invoice.network, network, hrp)
            XCTAssertEqual(invoice.amountMsats, amount, hrp)
            XCTAssertEqual(invoice.payeePubkey, Bolt11Vectors.payee, hrp)
        }
    }

    func testRefusedPrefixesAndAmounts() {
        let cases: [(String, String)] = [
            ("lnxy", "is not ln + bc"),
            ("bc2500u", "is not ln + bc"),
            ("lnbc0", "leading zero"),
            ("lnbc025m", "leading zero"),
            ("lnbcm", "no number"),
            ("lnbc1.5m", "not a number"),
            ("lnbc99999999999m", "too large"),
            ("lnbc99999999999999999999p", "too large"),
        ]
        for (hrp, words) in cases {
            XCTAssertRefused(Bolt11Forge.invoice(hrp: hrp, fields: [.hex("p", Bolt11Vectors.hash)]), mentioning: words)
        }
    }

    func testExpiryAndCltvFields() throws {
        let text = Bolt11Forge.invoice(fields: [
            .hex("p", Bolt11Vectors.hash), .number("x", 86_400), .number("c", 144), .number("x", 5),
        ])
        let invoice = try Bolt11Invoice.decode(text)
        XCTAssertEqual(invoice.expirySeconds, 86_400, "the first x field wins")
        XCTAssertEqual(invoice.minFinalCltvExpiry, 144)
        let huge = Bolt11Forge.invoice(fields: [.hex("p", Bolt11Vectors.hash), .number("x", 1 << 50)])
        XCTAssertRefused(huge, mentioning: "expiry (x field) is too large")
    }

    func testChangedAmountWithFixedChecksumNoLongerRecoversThePayee() throws {
        // Someone raising the amount and recomputing the checksum cannot re-sign: the signature
        // covers the prefix, so the key recovered is not the payee's (or none is).
        let (_, words) = try Bech32.decodeWords(Bolt11Vectors.coffee, maxLength: .max)
        let tampered = try Bech32.encode(hrp: "lnbc2501u", words: words, maxLength: .max)
        do {
            let invoice = try Bolt11Invoice.decode(tampered)
            XCTAssertEqual(invoice.amountMsats, 250_100_000)
            XCTAssertNotEqual(invoice.payeePubkey, Bolt11Vectors.payee)
        } catch {
            XCTAssertTrue(error.description.contains("signature"), error.description)
        }
    }
}

func XCTAssertRefused(_ text: String, mentioning words: String, file: StaticString = #filePath, line: UInt = #line) {
    do {
        let invoice = try Bolt11Invoice.decode(text)
        XCTFail("decoded an invalid invoice: \(invoice)", file: file, line: line)
    } catch {
        XCTAssertTrue(error.description.contains(words), "\"\(error.description)\" does not mention \"\(words)\"", file: file, line: line)
    }
}
