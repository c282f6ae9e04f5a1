@testable import Billing
import Foundation
import NIOConcurrencyHelpers
import XCTest

/// A nutshell wallet of its own (private CASHU_DIR) on the test bed's mint: the tenant's side.
struct CashuTestWallet {
    let bed: TestBed
    let executable: String
    let directory: URL
    let mint: String

    init(bed: TestBed) throws {
        self.bed = bed
        executable = try bed.require("NCN_CASHU_BIN")
        mint = try bed.require("NCN_MINT_URL")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ncn-cashu-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func run(_ arguments: [String]) throws -> String {
        try bed.run(executable, arguments, environment: ["CASHU_DIR": directory.path, "MINT_URL": mint])
    }

    /// Mints `sats` from the FakeWallet backend, which pays every invoice at once.
    func fund(_ sats: Int) throws { _ = try run(["-y", "invoice", String(sats)]) }

    /// A token worth `amount`; `lock` is a 33-byte hex key for P2PK, `dleq` attaches NUT-12 proofs
    /// (which providers require by default, so tenants send them).
    func send(_ amount: Int, legacy: Bool = false, lock: String? = nil, dleq: Bool = true) throws -> String {
        var arguments = ["-y", "send", String(amount)]
        if legacy { arguments.append("--legacy") }
        if let lock { arguments += ["--lock", "P2PK:\(lock)"] }
        if dleq { arguments.append("--dleq") }
        let output = try run(arguments)
        guard let token = output.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) })
            .last(where: { $0.hasPrefix("cashuA") || $0.hasPrefix("cashuB") })
        else {
            XCTFail("cashu send printed no token")
            throw CancellationError()
        }
        return token
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// Fails the first `recordReceived`, as if the process died right after the mint signed: the
/// pending record is there, the received one is not.
final class CrashingEcashVault: EcashVault {
    struct InjectedCrash: Error, CustomStringConvertible { var description: String { "injected crash" } }
    enum Point: Sendable {
        /// After the pending record is written, before the swap is sent.
        case afterRecordingPending
        /// After the mint signed, before the proofs are stored.
        case beforeRecordingReceived
    }

    let inner: any EcashVault
    let point: Point
    private let armed = NIOLockedValueBox(true)

    init(_ inner: any EcashVault, crashing point: Point) {
        self.inner = inner
        self.point = point
    }

    private func crashOnce(at candidate: Point) throws {
        guard candidate == point, armed.withLockedValue({ let was = $0; $0 = false; return was }) else { return }
        throw InjectedCrash()
    }

    func record(id: String) async throws -> EcashRecord? { try await inner.record(id: id) }
    func records() async throws -> [EcashRecord] { try await inner.records() }
    func create(_ record: EcashRecord) async throws { try await inner.create(record) }
    @discardableResult
    func modify(id: String, _ change: (inout EcashRecord) throws -> Void) async throws -> EcashRecord {
        try await inner.modify(id: id, change)
    }
    func delete(id: String, ifStill state: EcashRecord.State) async throws { try await inner.delete(id: id, ifStill: state) }

    func recordPending(_ swap: CashuPendingSwap) async throws {
        try await inner.recordPending(swap)
        try crashOnce(at: .afterRecordingPending)
    }

    func recordReceived(_ redemption: CashuRedemption, proofs: [CashuProof]) async throws {
        try crashOnce(at: .beforeRecordingReceived)
        try await inner.recordReceived(redemption, proofs: proofs)
    }
}

extension CashuMintClient {
    /// Whether the mint considers every proof unspent: the provider's new ecash is real.
    func allUnspent(_ proofs: [CashuProof]) async throws -> Bool {
        let states = try await checkState(proofs.map { CashuBDHKE.hashToCurve(secret: $0.secret)!.hex })
        return states.allSatisfy { $0 == .unspent }
    }
}
