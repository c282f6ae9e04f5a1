import Billing
import Foundation
import NostrBridge
import XCTest
@testable import Tenant

/// The Cashu wallet's file and its choice of proofs, without a mint.
final class CashuWalletStoreTests: XCTestCase {
    private var directory: URL!

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-wallet-\(UUID().uuidString)")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    private var store: CashuWalletStore { CashuWalletStore(paths: TenantPaths(directory: directory)) }

    private func proof(_ amount: UInt64, _ tag: String = UUID().uuidString) -> CashuProof {
        CashuProof(amount: amount, id: "00ad268c4d1f5826", secret: tag, C: "02" + String(repeating: "a", count: 64))
    }

    private func output(_ amount: UInt64) -> CashuPreparedOutput {
        CashuPreparedOutput(amount: amount, keysetID: "00ad268c4d1f5826", secret: UUID().uuidString, blindingFactor: String(repeating: "1", count: 64),
                            blinded: "02" + String(repeating: "b", count: 64))
    }

    func testAnEmptyWalletHasNoFileAndNoBalance() throws {
        XCTAssertEqual(try store.load(), CashuWalletState())
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.file.path))
        XCTAssertEqual(CashuWallet.balances(try store.load()), [])
    }

    func testSavedStateReadsBackFromAMode600File() throws {
        let mint = "HTTP://Mint.Example:80/"
        var state = CashuWalletState(proofs: [CashuStoredProof(mint: mint, unit: "sat", proof: proof(8)), CashuStoredProof(mint: mint, unit: "sat", proof: proof(2))])
        // Whole seconds: the file keeps times as ISO 8601.
        state.operations.append(CashuWalletOperation(kind: .receive, mint: mint, unit: "sat", inputs: [proof(4)], keep: [output(4)],
                                                     createdAt: Date(timeIntervalSince1970: 1_764_000_000)))
        try store.save(state)
        XCTAssertEqual(try store.load(), state)
        let mode = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: store.file.path)[.posixPermissions] as? NSNumber).intValue
        XCTAssertEqual(mode & 0o777, 0o600)
        XCTAssertEqual(state.proofs[0].mint, "http://mint.example", "mint URLs are stored normalized")
        let balance = try XCTUnwrap(CashuWallet.balances(state).first)
        XCTAssertEqual(balance.spendable, 10)
        XCTAssertEqual(balance.proofs, 2)
        XCTAssertEqual(balance.inFlight, 0, "a token being received is not ours yet")
    }

    /// A crash between writing the temporary file and renaming it: the temporary file is not the
    /// wallet (the rename never happened), so the old state stands, with its recorded exchange,
    /// and the leftover is removed.
    func testATemporaryFileLeftByACrashIsIgnoredAndRemoved() throws {
        let mint = "http://mint.example"
        var before = CashuWalletState(proofs: [CashuStoredProof(mint: mint, unit: "sat", proof: proof(16))])
        var exchange = CashuWalletOperation(kind: .nutzap, mint: mint, unit: "sat", inputs: [proof(32)], keep: [output(16)], give: [output(16)],
                                            createdAt: Date(timeIntervalSince1970: 1_764_000_000))
        exchange.reference = "request:0"
        before.operations.append(exchange)
        try store.save(before)
        let leftover = directory.appendingPathComponent(".cashu-wallet.json.12345.tmp")
        try Data("{\"version\":1,\"proofs\":[],\"operations\":[]}".utf8).write(to: leftover)

        let after = try store.load()
        XCTAssertEqual(after, before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover.path))
        let balance = try XCTUnwrap(CashuWallet.balances(after).first)
        XCTAssertEqual(balance.spendable, 16)
        XCTAssertEqual(balance.inFlight, 32, "our proofs given to an unfinished swap are shown, not lost")
    }

    func testAFileOthersCanReadIsRefused() throws {
        try store.save(CashuWalletState())
        chmod(store.file.path, 0o644)
        XCTAssertThrowsError(try store.load()) { error in
            XCTAssertTrue("\(error)".contains("chmod 600"), "\(error)")
        }
    }

    func testAnUnreadableFileIsNotOverwritten() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: store.file.path, contents: Data("not json".utf8), attributes: [.posixPermissions: 0o600])
        XCTAssertThrowsError(try store.update { $0.proofs = [] }) { error in
            XCTAssertTrue("\(error)".contains("keep a copy"), "\(error)")
        }
        XCTAssertEqual(FileManager.default.contents(atPath: store.file.path), Data("not json".utf8))
    }

    func testTheLockSerializesWriters() async throws {
        let store = self.store
        try store.save(CashuWalletState())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    try await store.withLock {
                        try store.update { $0.proofs.append(CashuStoredProof(mint: "http://m", unit: "sat", proof: CashuProof(
                            amount: 1, id: "00ad268c4d1f5826", secret: "s\(index)", C: "02" + String(repeating: "a", count: 64)))) }
                    }
                }
            }
            try await group.waitForAll()
        }
        XCTAssertEqual(try store.load().proofs.count, 8, "no write lost another's")
    }

    func testDeliveredAndSignedOutgoingCountAsOutstanding() {
        var sent = CashuWalletOperation(kind: .send, mint: "http://m", unit: "sat")
        sent.state = .delivered
        sent.outgoing = [proof(4), proof(1)]
        let balance = CashuWallet.balances(CashuWalletState(operations: [sent])).first
        XCTAssertEqual(balance?.outstanding, 5)
        XCTAssertEqual(balance?.spendable, 0)
    }

    // MARK: Selection

    func testSelectionPrefersAnExactFitOfLargeProofs() throws {
        let proofs = [1, 2, 4, 8, 16, 64].map { proof(UInt64($0)) }
        let chosen = try XCTUnwrap(CashuProofSelection.select(24, from: proofs))
        XCTAssertEqual(chosen.map(\.amount).sorted(), [8, 16])
    }

    func testSelectionTakesTheSmallestProofThatCoversTheRest() throws {
        let proofs = [1, 2, 32, 64].map { proof(UInt64($0)) }
        let chosen = try XCTUnwrap(CashuProofSelection.select(10, from: proofs))
        XCTAssertEqual(chosen.map(\.amount), [32], "one proof of 32, not 64, and not the small ones that fall short")
    }

    func testSelectionIsNilWhenTheWalletHoldsTooLittle() {
        XCTAssertNil(CashuProofSelection.select(100, from: [proof(64), proof(32)]))
        XCTAssertEqual(CashuProofSelection.select(0, from: [proof(1)])?.count, 0)
    }

    func testSelectionCoversTheMintsInputFees() throws {
        // 1,000 ppk per input: every proof spent costs 1 more.
        let proofs = [8, 4, 2, 1, 1].map { proof(UInt64($0)) }
        let chosen = try XCTUnwrap(CashuProofSelection.select(10, from: proofs, feePPK: { _ in 1000 }))
        let total = chosen.reduce(UInt64(0)) { $0 + $1.amount }
        XCTAssertGreaterThanOrEqual(total, 10 + UInt64(chosen.count))
        XCTAssertEqual(chosen.map(\.amount).sorted(), [4, 8])
        XCTAssertNil(CashuProofSelection.select(12, from: [proof(8), proof(4)], feePPK: { _ in 1000 }), "12 does not pay 12 and two inputs' fees")
        XCTAssertNil(CashuProofSelection.select(12, from: proofs, feePPK: { _ in 1000 }), "all 16 do not pay 12 and five inputs' fees")
    }

    func testEverySelectionCoversTheAmountWithoutNeedlessProofs() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let proofs = (0..<Int.random(in: 1...12, using: &generator)).map { _ in proof(1 << UInt64.random(in: 0...8, using: &generator)) }
            let total = proofs.reduce(UInt64(0)) { $0 + $1.amount }
            let amount = UInt64.random(in: 1...(total + 5), using: &generator)
            guard let chosen = CashuProofSelection.select(amount, from: proofs) else {
                XCTAssertGreaterThan(amount, total)
                continue
            }
            let sum = chosen.reduce(UInt64(0)) { $0 + $1.amount }
            XCTAssertGreaterThanOrEqual(sum, amount)
            for index in chosen.indices {
                var without = chosen
                without.remove(at: index)
                XCTAssertLessThan(without.reduce(UInt64(0)) { $0 + $1.amount }, amount, "a needless proof was chosen")
            }
            XCTAssertEqual(Set(chosen.map(\.secret)).count, chosen.count)
        }
    }

    // MARK: Payment checks on the Cashu rail

    func testACashuDemandFromTheBidderForTheBidsPriceIsPaidByNutzap() {
        let provider = String(repeating: "e", count: 64)
        let bid = ComputeBid(pricePerIntervalMsats: 2000, intervalSeconds: 10, graceSeconds: 3, durationSeconds: 30, expiresAt: 0, rail: .cashu)
        let terms = ComputeCashuTerms(mints: [ComputeMint(url: "http://mint.example")], p2pk: "02" + String(repeating: "c", count: 64))
        let check = PaymentCheck(bidder: provider, bid: bid, nextTranche: 1, paidMsats: 2000, budgetMsats: 6000)
        XCTAssertEqual(check.check(PaymentDemand(eventID: "x", author: provider, tranche: 1, amountMsats: 2000, bolt11: nil, cashu: terms), now: Date()),
                       .payCashu(terms, msats: 2000, tranche: 1))
        if case let .refuse(why) = check.check(PaymentDemand(eventID: "x", author: provider, tranche: 1, amountMsats: 20000, bolt11: nil, cashu: terms), now: Date()) {
            XCTAssertTrue(why.contains("the bid's price per interval is 2000 msats"), why)
        } else { XCTFail("an overpriced Cashu demand must be refused") }
        if case let .refuse(why) = check.check(PaymentDemand(eventID: "x", author: provider, tranche: 1, amountMsats: 2000, bolt11: nil, cashu: nil), now: Date()) {
            XCTAssertTrue(why.contains("names no Cashu mint"), why)
        } else { XCTFail("a Cashu demand without terms must be refused") }
        XCTAssertEqual(check.check(PaymentDemand(eventID: "x", author: provider, tranche: 0, amountMsats: 2000, bolt11: nil, cashu: terms), now: Date()),
                       .alreadyPaid(tranche: 0))
    }

    func testTheLeaseMachinePaysACashuBidsDemandsByNutzapOneAtATime() {
        let provider = String(repeating: "e", count: 64)
        let bid = ComputeBid(pricePerIntervalMsats: 3000, intervalSeconds: 10, graceSeconds: 3, durationSeconds: 30, expiresAt: 0, rail: .cashu)
        let terms = ComputeCashuTerms(mints: [ComputeMint(url: "http://mint.example")], p2pk: "02" + String(repeating: "c", count: 64))
        let context = ComputeReplyContext(requestID: String(repeating: "d", count: 64), tenant: String(repeating: "f", count: 64))
        var machine = LeaseMachine(provider: provider, budgetMsats: 9000)
        func demand(_ tranche: Int) -> LeaseMachine.Input {
            .answer(.feedback(.paymentRequired(context, amountMsats: 3000, bolt11: nil, cashu: terms, tranche: tranche), author: provider,
                              eventID: "p\(tranche)"), now: Date())
        }
        XCTAssertEqual(machine.handle(demand(0)), [], "nothing is paid before the bid")
        let afterBid = machine.handle(.answer(.result(.bid(context, bid), author: provider, eventID: "b"), now: Date()))
        XCTAssertEqual(afterBid.last, .payCashu(terms, msats: 3000, tranche: 0))
        XCTAssertEqual(machine.handle(demand(1)), [], "one payment at a time")
        XCTAssertEqual(machine.handle(.paid(tranche: 0, msats: 3000)).last, .payCashu(terms, msats: 3000, tranche: 1))
    }

    func testTheNutzapEventCarriesTheDraftsTags() throws {
        let key = SecretKey.generate()
        var operation = CashuWalletOperation(kind: .nutzap, mint: "http://mint.example", unit: "sat")
        operation.outgoing = [proof(2, "[\"P2PK\",{\"data\":\"02aa\"}]"), proof(1)]
        let request = String(repeating: "d", count: 64), provider = String(repeating: "e", count: 64)
        let event = try CashuNutzapPayer.event(operation: operation, mintURL: "http://mint.example/", requestID: request, provider: provider, key: key)
        XCTAssertEqual(event.kind, 9321)
        let nutzap = try XCTUnwrap(ComputeNutzap(event: event))
        XCTAssertEqual(nutzap.requestID, request)
        XCTAssertEqual(nutzap.recipient, provider)
        XCTAssertEqual(nutzap.mint, "http://mint.example/")
        XCTAssertEqual(nutzap.unit, "sat")
        let decoded = try nutzap.proofs.map { try JSONDecoder().decode(CashuProof.self, from: Data($0.utf8)) }
        XCTAssertEqual(decoded, operation.outgoing)
        XCTAssertTrue(event.tags.contains(["k", "5900"]))
    }
}
