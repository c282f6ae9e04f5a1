import Foundation
import NostrBridge
import XCTest

/// The provider's NIP-89 kind 31990 (draft §8.1): what a generic NIP-90 client filters on.
final class ComputeHandlerInfoTests: XCTestCase {
    func testTheAnnouncementNamesTheKindTheOfferAndLapsesWithIt() throws {
        let provider = SecretKey.generate()
        let info = ComputeHandlerInfo(identifier: "eu-central-1", name: "ncn compute provider eu-central-1", about: "Send a kind 5900 \"compute\" request.",
                                      expiration: 1_767_232_800)
        let event = try info.eventBuilder(provider: provider.publicKey.hex).createdAt(1_767_225_540).sign(with: provider)
        XCTAssertEqual(event.kind, 31990)
        XCTAssertEqual(event.tags, [["d", "eu-central-1"], ["k", "5900"], ["a", "31900:\(provider.publicKey.hex):eu-central-1"],
                                    ["expiration", "1767232800"]])
        XCTAssertEqual(event.content, #"{"about":"Send a kind 5900 \"compute\" request.","name":"ncn compute provider eu-central-1"}"#)
        XCTAssertEqual(try ComputeHandlerInfo.parse(event), info)
    }

    func testWhatAClientCannotUseIsRefused() throws {
        let key = SecretKey.generate()
        for (tags, content) in [([["d", "x"]], #"{"name":"n"}"#), ([["d", "x"], ["k", "5000"]], #"{"name":"n"}"#),
                                ([["k", "5900"]], #"{"name":"n"}"#), ([["d", "x"], ["k", "5900"]], "not json"),
                                ([["d", "x"], ["k", "5900"]], #"{"about":"no name"}"#)] {
            let event = try EventBuilder(kind: 31990, content: content, tags: tags).sign(with: key)
            XCTAssertThrowsError(try ComputeHandlerInfo.parse(event), "\(tags) \(content)")
        }
        XCTAssertThrowsError(try ComputeHandlerInfo.parse(try EventBuilder(kind: 31989, content: #"{"name":"n"}"#, tags: [["d", "x"], ["k", "5900"]]).sign(with: key)))
    }
}
