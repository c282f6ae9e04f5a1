import Foundation
import NostrBridge
import XCTest

/// Our crypto and encodings against nostr-sdk, both ways.
final class NostrSDKInteropTests: XCTestCase {
    /// Contents that stress NIP-01's escaping rules and UTF-8 handling.
    private let contents = [
        "plain", "", "quote \" backslash \\ slash / newline \n tab \t cr \r", "\u{08}\u{0C}\u{01}\u{1F}\u{7F}",
        "emoji 🧑‍💻⚡️ and CJK 計算", "{\"cpu\":\"2\",\"gpu\":\"1\"}", String(repeating: "x", count: 5000),
    ]

    func testEventsSignedHereVerifyInNostrSDKWithTheSameID() throws {
        let sdk = try NostrSDKReference(bed: TestBed.load())
        let key = SecretKey.generate()
        let events = try contents.enumerated().map { index, content in
            try NostrEvent.sign(kind: 5900, tags: [["param", "cpu", "2"], ["t", "é\"\n"], ["i", content, "text"]],
                                content: content, createdAt: 1_700_000_000 + Int64(index), with: key)
        }
        let answers = try sdk.call(events.map { event in
            ["op": "verify", "event": try JSONSerialization.jsonObject(with: Data(event.jsonBytes()))]
        })
        for (event, answer) in zip(events, answers) {
            XCTAssertEqual(answer["ok"] as? Bool, true, "\(answer)")
            XCTAssertEqual(answer["id"] as? String, event.id)
        }
    }

    func testEventsSignedByNostrSDKValidateHere() throws {
        let sdk = try NostrSDKReference(bed: TestBed.load())
        let secret = SecretKey.generate()
        let now = NostrEvent.currentTimestamp()
        let answers = try sdk.call(contents.map { content in
            ["op": "sign", "secret": secret.exportHex(), "kind": 5900, "content": content,
             "tags": [["param", "gpu", "1"], ["t", "é\"\n"]], "created_at": now]
        })
        for answer in answers {
            let json = try JSONSerialization.data(withJSONObject: try XCTUnwrap(answer["event"], "\(answer)"))
            let event = try NostrEvent.decode(json: json)
            XCTAssertNoThrow(try event.validate(), "\(event)")
            XCTAssertEqual(event.pubkey, secret.publicKey.hex)
            var tampered = event
            tampered.content += "!"
            XCTAssertThrowsError(try tampered.validate())
        }
    }

    func testNIP44AndNIP04PayloadsDecryptOnTheOtherSide() throws {
        let sdk = try NostrSDKReference(bed: TestBed.load())
        let alice = SecretKey.generate()
        let bob = SecretKey.generate()
        let messages = ["a", "compute job: {\"cpu\":\"4\"}", "🧑‍💻⚡️計算", String(repeating: "long ", count: 3000)]

        let ours = try messages.map { try NIP44.encrypt($0, secretKey: alice, peer: bob.publicKey) }
        let legacy = try messages.map { try NIP04.encrypt($0, secretKey: alice, peer: bob.publicKey) }
        var requests: [[String: Any]] = []
        requests += ours.map { ["op": "nip44_decrypt", "secret": bob.exportHex(), "peer": alice.publicKey.hex, "payload": $0] }
        requests += legacy.map { ["op": "nip04_decrypt", "secret": bob.exportHex(), "peer": alice.publicKey.hex, "payload": $0] }
        requests += messages.map { ["op": "nip44_encrypt", "secret": bob.exportHex(), "peer": alice.publicKey.hex, "plaintext": $0] }
        requests += messages.map { ["op": "nip04_encrypt", "secret": bob.exportHex(), "peer": alice.publicKey.hex, "plaintext": $0] }
        let answers = try sdk.call(requests)

        let n = messages.count
        for (index, message) in messages.enumerated() {
            XCTAssertEqual(answers[index]["plaintext"] as? String, message, "nostr-sdk NIP-44 decrypt: \(answers[index])")
            XCTAssertEqual(answers[n + index]["plaintext"] as? String, message, "nostr-sdk NIP-04 decrypt: \(answers[n + index])")
            let theirs44 = try XCTUnwrap(answers[2 * n + index]["payload"] as? String)
            XCTAssertEqual(try NIP44.decrypt(theirs44, secretKey: alice, peer: bob.publicKey), message)
            let theirs04 = try XCTUnwrap(answers[3 * n + index]["payload"] as? String)
            XCTAssertEqual(try NIP04.decrypt(theirs04, secretKey: alice, peer: bob.publicKey), message)
        }
        // A payload for someone else must not decrypt, on either side.
        let eve = SecretKey.generate()
        let refused = try sdk.call([["op": "nip44_decrypt", "secret": eve.exportHex(), "peer": alice.publicKey.hex, "payload": ours[0]]])
        XCTAssertNotNil(refused[0]["error"])
        XCTAssertThrowsError(try NIP44.decrypt(ours[0], secretKey: eve, peer: alice.publicKey))
    }

    func testNIP19StringsRoundTripAgainstNostrSDK() throws {
        let sdk = try NostrSDKReference(bed: TestBed.load())
        let secret = SecretKey.generate()
        let pubkey = secret.publicKey
        let eventID = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255) })
        let relays = ["ws://127.0.0.1:17001", "wss://relay.example.com"]

        let theirs = try sdk.call([[
            "op": "nip19_encode", "pubkey": pubkey.hex, "secret": secret.exportHex(), "event_id": eventID,
            "kind": 31900, "identifier": "default", "relays": relays,
        ]])[0]
        XCTAssertEqual(theirs["npub"] as? String, NIP19.encodeNpub(pubkey))
        XCTAssertEqual(theirs["nsec"] as? String, NIP19.encodeNsec(secret))
        XCTAssertEqual(theirs["note"] as? String, try NIP19.encodeNote(eventID: eventID))
        let profile = try ProfilePointer(nprofile: try XCTUnwrap(theirs["nprofile"] as? String))
        XCTAssertEqual(profile, ProfilePointer(publicKey: pubkey, relays: relays))
        let event = try EventPointer(nevent: try XCTUnwrap(theirs["nevent"] as? String))
        XCTAssertEqual(event, EventPointer(id: eventID, relays: relays, author: pubkey, kind: 31900))
        let address = try AddressPointer(naddr: try XCTUnwrap(theirs["naddr"] as? String))
        XCTAssertEqual(address, AddressPointer(identifier: "default", author: pubkey, kind: 31900, relays: relays))

        let ours = [
            NIP19.encodeNpub(pubkey), NIP19.encodeNsec(secret), try NIP19.encodeNote(eventID: eventID),
            try ProfilePointer(publicKey: pubkey, relays: relays).encoded(),
            try EventPointer(id: eventID, relays: relays, author: pubkey, kind: 31900).encoded(),
            try AddressPointer(identifier: "default", author: pubkey, kind: 31900, relays: relays).encoded(),
        ]
        let decoded = try sdk.call(ours.map { ["op": "nip19_decode", "value": $0] })
        XCTAssertEqual(decoded[0]["pubkey"] as? String, pubkey.hex)
        XCTAssertEqual(decoded[1]["secret"] as? String, secret.exportHex())
        XCTAssertEqual(decoded[2]["event_id"] as? String, eventID)
        XCTAssertEqual(decoded[3]["relays"] as? [String], relays)
        XCTAssertEqual(decoded[4]["kind"] as? Int, 31900)
        XCTAssertEqual(decoded[4]["pubkey"] as? String, pubkey.hex)
        XCTAssertEqual(decoded[5]["identifier"] as? String, "default")
        XCTAssertEqual(decoded[5]["relays"] as? [String], relays)
    }
}
