import Billing
import Foundation

/// Everything the tenant's Cashu wallet holds, as stored in `cashu-wallet.json`.
public struct CashuWalletState: Codable, Sendable, Equatable {
    public var version = 1
    /// Spendable ecash.
    public var proofs: [CashuStoredProof] = []
    /// Swaps and mints in flight, and ecash handed out that the mint has not seen spent yet.
    public var operations: [CashuWalletOperation] = []

    public init(proofs: [CashuStoredProof] = [], operations: [CashuWalletOperation] = []) {
        self.proofs = proofs
        self.operations = operations
    }
}

/// A proof and the mint and unit it is from.
public struct CashuStoredProof: Codable, Sendable, Hashable {
    /// Normalized (`CashuMintURL.normalize`).
    public var mint: String
    public var unit: String
    public var proof: CashuProof

    public init(mint: String, unit: String, proof: CashuProof) {
        self.mint = CashuMintURL.normalize(mint)
        self.unit = unit
        self.proof = proof
    }
}

/// One exchange with a mint, recorded before the mint is asked so a crash at any point can be
/// finished: the outputs' secrets and blinding factors are what turn the mint's signatures into
/// ecash, and the inputs are moved here (out of `proofs`) in the same write.
public struct CashuWalletOperation: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// NUT-04: a paid quote becomes proofs.
        case mint
        /// Someone's token swapped into fresh proofs of ours.
        case receive
        /// Our proofs swapped into a token to hand out, and change.
        case send
        /// Our proofs swapped into proofs P2PK-locked to a provider, and change (NIP-61).
        case nutzap
        /// Our proofs swapped into a tranche locked in escrow (draft §7.7), and change. Kept until
        /// the mint shows the tranche spent: by the provider's swap, or by our own reclaim.
        case escrow
    }

    public enum State: String, Codable, Sendable {
        /// Recorded; the mint may or may not have acted on it.
        case prepared
        /// The mint signed: the change is in the wallet, `outgoing` holds what is to be handed out.
        case signed
        /// Handed out (token printed, nutzap published); kept until the mint shows it spent.
        case delivered
    }

    public var id: String
    public var kind: Kind
    public var state: State
    public var mint: String
    public var unit: String
    /// NUT-04 quote id, its bolt11 and expiry (mint only).
    public var quote: String?
    public var bolt11: String?
    public var quoteExpiry: Int64?
    /// Proofs given to the mint (ours, or the received token's).
    public var inputs: [CashuProof]
    /// Outputs that come back to this wallet.
    public var keep: [CashuPreparedOutput]
    /// Outputs to hand out (send, nutzap); P2PK-locked for a nutzap.
    public var give: [CashuPreparedOutput]
    /// The signed `give` proofs, once the mint signed.
    public var outgoing: [CashuProof]
    /// For a nutzap or escrow: `<request id>:<tranche>`, and the provider's Nostr key.
    public var reference: String?
    public var provider: String?
    public var createdAt: Date

    public init(id: String = UUID().uuidString.lowercased(), kind: Kind, mint: String, unit: String, inputs: [CashuProof] = [],
                keep: [CashuPreparedOutput] = [], give: [CashuPreparedOutput] = [], createdAt: Date = Date()) {
        self.id = id
        self.kind = kind
        self.state = .prepared
        self.mint = CashuMintURL.normalize(mint)
        self.unit = unit
        self.inputs = inputs
        self.keep = keep
        self.give = give
        self.outgoing = []
        self.createdAt = createdAt
    }

    public var outgoingAmount: UInt64 { outgoing.reduce(0) { $0 + $1.amount } }
}

/// The wallet's file, `cashu-wallet.json` in the tenant's config directory, mode 600.
///
/// Every change is one write of the whole file: to a temporary file in the same directory,
/// fsync'd, renamed over the old one, and the directory fsync'd. A crash leaves the old file or
/// the new one; a temporary file left behind was never renamed, so it is not the wallet's state
/// and is deleted on the next load. Processes take turns through `withLock` (flock on
/// `cashu-wallet.lock`), so two `ncn` commands never write over each other's changes.
public final class CashuWalletStore: Sendable {
    public let file: URL
    let lockFile: URL

    public init(paths: TenantPaths) {
        file = paths.directory.appendingPathComponent("cashu-wallet.json")
        lockFile = paths.directory.appendingPathComponent("cashu-wallet.lock")
    }

    /// Runs `body` holding the wallet's lock (waiting for another ncn that holds it).
    public func withLock<T>(_ body: () async throws -> T) async throws -> T {
        let directory = file.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw TenantError(.setup, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        let fd = open(lockFile.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TenantError(.setup, "cannot open \(lockFile.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // Polled rather than blocking, so a wait never holds one of Swift's few cooperative threads.
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw TenantError(.setup, "cannot lock \(lockFile.path): \(String(cString: strerror(errno)))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await body()
    }

    /// The stored state (empty when there is no file yet). Deletes temporary files a crash left.
    public func load() throws(TenantError) -> CashuWalletState {
        removeLeftovers()
        guard let data = try PrivateFile.read(file) else { return CashuWalletState() }
        do { return try JSONDecoder.wallet.decode(CashuWalletState.self, from: data) } catch {
            throw TenantError(.setup, "\(file.path) does not read as a Cashu wallet (\(error)); it holds your ecash: keep a copy and do not delete it")
        }
    }

    /// Replaces the file with `state`, durably (see the type's notes).
    public func save(_ state: CashuWalletState) throws(TenantError) {
        let data: Data
        do { data = try JSONEncoder.wallet.encode(state) } catch { throw TenantError(.setup, "cannot encode the wallet: \(error)") }
        let directory = file.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw TenantError(.setup, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(UInt32.random(in: 0 ... .max)).tmp")
        func failure(_ what: String) -> TenantError {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            return TenantError(.setup, "cannot \(what) \(file.path): \(reason); the wallet was not changed")
        }
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("write") }
        let written = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        guard written, fsync(fd) == 0 else { close(fd); throw failure("write") }
        close(fd)
        guard rename(temporary.path, file.path) == 0 else { throw failure("replace") }
        let directoryFD = open(directory.path, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Runs `change` on the stored state and saves the result.
    @discardableResult
    public func update<T>(_ change: (inout CashuWalletState) throws -> T) throws -> T {
        var state = try load()
        let result = try change(&state)
        try save(state)
        return result
    }

    private func removeLeftovers() {
        let directory = file.deletingLastPathComponent()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(".\(file.lastPathComponent).") && name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}

extension JSONEncoder {
    static var wallet: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

extension JSONDecoder {
    static var wallet: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
