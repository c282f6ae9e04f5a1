import NostrBridge
import XCTest

final class NIP19Tests: XCTestCase {
    // The examples given in NIP-19 itself.
    let npubExample = "npub10elfcs4fr0l0r8af98jlmgdh9c8tcxjvz9qkw038js35mp4dma8qzvjptg"
    let npubHex = "7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e"
    let nsecExample = "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5"
    let nsecHex = "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"
    let npubExample2 = "npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6"
    let npubHex2 = "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"
    let nprofileExample =
        "nprofile1qqsrhuxx8l9ex335q7he0f09aej04zpazpl0ne2cgukyawd24mayt8gpp4mhxue69uhhytnc9e3k7mgpz4mhxue69uhkg6nzv9ejuumpv34kytnrdaksjlyr9p"

    func testSpecExamples() throws {
        XCTAssertEqual(try NIP19.decodeNpub(npubExample).hex, npubHex)
        XCTAssertEqual(try PublicKey(hex: npubHex).npub, npubExample)
        XCTAssertEqual(try NIP19.decodeNpub(npubExample2).hex, npubHex2)
        XCTAssertEqual(try PublicKey(hex: npubHex2).npub, npubExample2)

        XCTAssertEqual(try NIP19.decodeNsec(nsecExample).exportHex(), nsecHex)
        XCTAssertEqual(NIP19.encodeNsec(try SecretKey(hex: nsecHex)), nsecExample)

        let profile = try ProfilePointer(nprofile: nprofileExample)
        XCTAssertEqual(profile.publicKey.hex, npubHex2)
        XCTAssertEqual(profile.relays, ["wss://r.x.com", "wss://djbas.sadkb.com"])
        XCTAssertEqual(try profile.encoded(), nprofileExample)
    }

    func testGenericDecodeDispatchesOnPrefix() throws {
        guard case .publicKey(let key) = try NIP19.decode(npubExample) else { return XCTFail() }
        XCTAssertEqual(key.hex, npubHex)
        guard case .secretKey(let secret) = try NIP19.decode(nsecExample) else { return XCTFail() }
        XCTAssertEqual(secret.exportHex(), nsecHex)
        guard case .profile(let profile) = try NIP19.decode(nprofileExample) else { return XCTFail() }
        XCTAssertEqual(profile.relays.count, 2)
        let id = String(repeating: "ab", count: 32)
        guard case .note(let note) = try NIP19.decode(try NIP19.encodeNote(eventID: id)) else { return XCTFail() }
        XCTAssertEqual(note, id)
        // Upper case as a whole is legal bech32 (QR codes use it).
        XCTAssertEqual(try NIP19.decodeNpub(npubExample.uppercased()).hex, npubHex)
    }

    func testTLVRoundTrips() throws {
        let author = SecretKey.generate().publicKey
        let id = String(repeating: "0f", count: 32)

        let event = EventPointer(id: id, relays: ["wss://relay.damus.io", "wss://nos.lol"], author: author, kind: 5900)
        let nevent = try event.encoded()
        XCTAssertTrue(nevent.hasPrefix("nevent1"))
        XCTAssertEqual(try EventPointer(nevent: nevent), event)
        guard case .event(let decoded) = try NIP19.decode(nevent) else { return XCTFail() }
        XCTAssertEqual(decoded, event)

        let bare = EventPointer(id: id)
        XCTAssertEqual(try EventPointer(nevent: bare.encoded()), bare)

        let address = AddressPointer(identifier: "offer:gpu/ü", author: author, kind: 31900, relays: ["wss://r.example"])
        let naddr = try address.encoded()
        XCTAssertEqual(try AddressPointer(naddr: naddr), address)
        XCTAssertEqual(try AddressPointer(naddr: naddr).coordinate.description, "31900:\(author.hex):offer:gpu/ü")
        let emptyIdentifier = AddressPointer(identifier: "", author: author, kind: 10002)
        XCTAssertEqual(try AddressPointer(naddr: emptyIdentifier.encoded()), emptyIdentifier)

        let profile = ProfilePointer(publicKey: author, relays: [])
        XCTAssertEqual(try ProfilePointer(nprofile: profile.encoded()), profile)
    }

    func testRejectsBadChecksum() {
        var corrupted = Array(npubExample)
        corrupted[20] = corrupted[20] == "q" ? "p" : "q"
        XCTAssertThrowsError(try NIP19.decodeNpub(String(corrupted))) { XCTAssertEqual($0 as? Bech32Error, .invalidChecksum) }
    }

    func testRejectsMixedCase() {
        let mixed = "NPUB" + npubExample.dropFirst(4)
        XCTAssertThrowsError(try NIP19.decodeNpub(String(mixed))) { XCTAssertEqual($0 as? Bech32Error, .mixedCase) }
    }

    func testRejectsWrongPrefix() throws {
        XCTAssertThrowsError(try NIP19.decodeNpub(nsecExample)) { XCTAssertEqual($0 as? Bech32Error, .unexpectedPrefix) }
        XCTAssertThrowsError(try NIP19.decodeNsec(npubExample)) { XCTAssertEqual($0 as? Bech32Error, .unexpectedPrefix) }
        XCTAssertThrowsError(try ProfilePointer(nprofile: npubExample)) { XCTAssertEqual($0 as? Bech32Error, .unexpectedPrefix) }
        let lnurl = try Bech32.encode(hrp: "lnurl", data: [1, 2, 3])
        XCTAssertThrowsError(try NIP19.decode(lnurl)) { XCTAssertEqual($0 as? Bech32Error, .unexpectedPrefix) }
    }

    func testRejectsOverlongInput() throws {
        let huge = "nevent1" + String(repeating: "q", count: Bech32.maxLength)
        XCTAssertThrowsError(try NIP19.decode(huge)) { XCTAssertEqual($0 as? Bech32Error, .tooLong) }
        let tooManyRelays = ProfilePointer(
            publicKey: SecretKey.generate().publicKey, relays: Array(repeating: "wss://" + String(repeating: "r", count: 200), count: 20))
        XCTAssertThrowsError(try tooManyRelays.encoded()) { XCTAssertEqual($0 as? Bech32Error, .tooLong) }
        let longRelay = ProfilePointer(publicKey: SecretKey.generate().publicKey, relays: [String(repeating: "r", count: 256)])
        XCTAssertThrowsError(try longRelay.encoded()) { XCTAssertEqual($0 as? Bech32Error, .valueTooLong) }
    }

    func testRejectsMalformedPayloads() throws {
        // Wrong payload length for a bare key.
        let short = try Bech32.encode(hrp: "npub", data: [UInt8](repeating: 1, count: 31))
        XCTAssertThrowsError(try NIP19.decodeNpub(short)) { XCTAssertEqual($0 as? Bech32Error, .invalidDataLength) }
        // Truncated TLV record.
        let truncated = try Bech32.encode(hrp: "nprofile", data: [0, 32, 1, 2, 3])
        XCTAssertThrowsError(try ProfilePointer(nprofile: truncated)) { XCTAssertEqual($0 as? Bech32Error, .malformedTLV) }
        // naddr without kind.
        var record: [UInt8] = [0, 1, 0x61, 2, 32] + SecretKey.generate().publicKey.bytes
        XCTAssertThrowsError(try AddressPointer(naddr: Bech32.encode(hrp: "naddr", data: record))) {
            XCTAssertEqual($0 as? Bech32Error, .missingField)
        }
        // Unknown TLV types are skipped, as NIP-19 asks.
        record += [3, 4, 0, 0, 0x7a, 0x6c, 9, 2, 0xff, 0xff]
        XCTAssertEqual(try AddressPointer(naddr: Bech32.encode(hrp: "naddr", data: record)).kind, 31340)
        // Off-curve key inside an npub.
        let offCurve = try Bech32.encode(hrp: "npub", data: [UInt8](repeating: 0xff, count: 32))
        XCTAssertThrowsError(try NIP19.decodeNpub(offCurve)) { XCTAssertEqual($0 as? Bech32Error, .invalidField) }
        // Characters outside the alphabet, no separator, non-zero padding bits.
        XCTAssertThrowsError(try NIP19.decode("npub1bbbbbbbbbbbb")) { XCTAssertEqual($0 as? Bech32Error, .invalidCharacter) }
        XCTAssertThrowsError(try NIP19.decode("qqqqqqqqqqqqqqq")) { XCTAssertEqual($0 as? Bech32Error, .missingSeparator) }
        XCTAssertThrowsError(try NIP19.decode("npub 1qqqqqqqqq")) { XCTAssertEqual($0 as? Bech32Error, .invalidCharacter) }
    }

    /// BIP-173's own valid and invalid strings exercise the checksum and parsing rules directly.
    func testBIP173Vectors() {
        for valid in ["A12UEL5L", "a12uel5l", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w"] {
            XCTAssertNoThrow(try Bech32.decode(valid), valid)
        }
        for invalid in ["pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "A1G7SGD8", "10a06t8", "1qzzfhee"] {
            XCTAssertThrowsError(try Bech32.decode(invalid), invalid)
        }
    }
}
