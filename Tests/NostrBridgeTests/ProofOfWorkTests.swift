import NostrBridge
import XCTest

final class ProofOfWorkTests: XCTestCase {
    func testLeadingZeroBitCounting() {
        XCTAssertEqual(ProofOfWork.leadingZeroBits(hex: "ff" + String(repeating: "0", count: 62)), 0)
        XCTAssertEqual(ProofOfWork.leadingZeroBits(hex: "7f" + String(repeating: "0", count: 62)), 1)
        XCTAssertEqual(ProofOfWork.leadingZeroBits(hex: "0f"), 4)
        // The example from NIP-13: 36 leading zero bits.
        XCTAssertEqual(ProofOfWork.leadingZeroBits(hex: "000000000e9d97a1ab09fc381030b346cdd7a142ad57e6df0b46dc9bef6c7e2d"), 36)
        XCTAssertEqual(ProofOfWork.leadingZeroBits(hex: "0001"), 15)
        XCTAssertEqual(ProofOfWork.leadingZeroBits(hex: String(repeating: "0", count: 64)), 256)
        XCTAssertNil(ProofOfWork.leadingZeroBits(hex: "zz"))
    }

    func testMiningSmallDifficulty() throws {
        let key = SecretKey.generate()
        let event = try NostrEvent.mine(
            kind: 5900, tags: [["t", "gpu"], ["nonce", "stale", "99"]], content: "job", createdAt: 1_700_000_000,
            difficulty: 10, with: key)
        XCTAssertNoThrow(try event.validate(now: 1_700_000_000))
        XCTAssertGreaterThanOrEqual(event.proofOfWorkDifficulty, 10)
        XCTAssertEqual(event.committedDifficulty, 10)
        XCTAssertEqual(event.tags.filter { $0.first == "nonce" }.count, 1, "stale nonce tags are replaced")
        XCTAssertEqual(event.tags.first, ["t", "gpu"])
        XCTAssertTrue(event.satisfiesProofOfWork(minimum: 10))
        XCTAssertFalse(event.satisfiesProofOfWork(minimum: 11, requireCommitment: true))

        let noTags = try EventBuilder(kind: 1, createdAt: 1).mine(difficulty: 4, with: key)
        XCTAssertNoThrow(try noTags.validate(now: 1))
        XCTAssertGreaterThanOrEqual(noTags.proofOfWorkDifficulty, 4)
    }

    /// A lucky id above the bar but committed to a lower target does not pass when commitment is required.
    func testCommitmentIsEnforced() throws {
        let key = SecretKey.generate()
        let event = try NostrEvent.mine(kind: 1, content: "lucky?", createdAt: 1, difficulty: 2, with: key)
        let actual = event.proofOfWorkDifficulty
        XCTAssertTrue(event.satisfiesProofOfWork(minimum: actual, requireCommitment: false))
        if actual > 2 {
            XCTAssertFalse(event.satisfiesProofOfWork(minimum: actual, requireCommitment: true))
        }
        let unmined = try NostrEvent.sign(kind: 1, content: "x", createdAt: 1, with: key)
        XCTAssertNil(unmined.committedDifficulty)
        XCTAssertTrue(unmined.satisfiesProofOfWork(minimum: 0))
    }

    func testMiningStopsAtTheBound() throws {
        XCTAssertThrowsError(
            try NostrEvent.mine(kind: 1, content: "", createdAt: 1, difficulty: 64, maxAttempts: 1000, with: SecretKey.generate())
        ) { XCTAssertEqual($0 as? ProofOfWorkError, .exhausted) }
        XCTAssertThrowsError(try NostrEvent.mine(kind: 1, content: "", difficulty: 257, with: SecretKey.generate())) {
            XCTAssertEqual($0 as? ProofOfWorkError, .invalidDifficulty)
        }
    }

    func testMiningStopsOnCancellation() async throws {
        let key = SecretKey.generate()
        let task = Task {
            try NostrEvent.mine(kind: 1, content: "", createdAt: 1, difficulty: 200, with: key)
        }
        try await Task.sleep(nanoseconds: 50_000_000)
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("mining a 200-bit target cannot succeed")
        } catch {
            XCTAssertEqual(error as? ProofOfWorkError, .cancelled)
        }
    }
}
