import Foundation
import NostrBridge

/// Escrow for one tranche (draft §7.7): ecash locked with NUT-11 so that any two of provider,
/// tenant and arbitrator can spend it, and after `locktime` the tenant alone as well.
///
/// The secret is `["P2PK", {data: provider, tags: [pubkeys: tenant, arbitrator], [n_sigs: 2],
/// [locktime: T], [refund: tenant], [sigflag: SIG_INPUTS]}]`. What each side can do:
/// the provider alone, never; the tenant alone, only after T; the arbitrator alone, never;
/// any two of them, always. So the provider must collect a second signature (the tenant's
/// release or the arbitrator's decision) and swap before T, and T must leave it time to.
public struct CashuEscrowLock: Sendable, Equatable {
    /// The provider's Cashu key (the offer's `p2pk`), not its Nostr key.
    public var provider: PublicKey
    /// The tenant's Nostr key: the request's author.
    public var tenant: PublicKey
    /// The arbitrator's Nostr key, as the request names it.
    public var arbitrator: PublicKey
    /// Unix seconds after which the tenant alone can take the ecash back.
    public var locktime: Int64

    public init(provider: PublicKey, tenant: PublicKey, arbitrator: PublicKey, locktime: Int64) {
        self.provider = provider
        self.tenant = tenant
        self.arbitrator = arbitrator
        self.locktime = locktime
    }

    /// The tags every escrow secret may carry; any other tag could change who can spend.
    static let knownTags: Set<String> = ["sigflag", "n_sigs", "pubkeys", "locktime", "refund", "n_sigs_refund"]

    /// A fresh condition for one output (its own nonce: two proofs never share a secret).
    public func condition() -> CashuSpendingCondition {
        CashuSpendingCondition(kind: "P2PK", data: Self.compressed(provider), nonce: CashuHex.encode(SecureRandom.bytes(32)), tags: [
            ["pubkeys", Self.compressed(tenant), Self.compressed(arbitrator)],
            ["n_sigs", "2"],
            ["locktime", String(locktime)],
            ["refund", Self.compressed(tenant)],
            ["sigflag", "SIG_INPUTS"],
        ])
    }

    /// Reads the escrow a proof's secret sets up, refusing any secret that lets someone spend
    /// in a way the draft does not: another threshold, a third refund key, an unknown tag, a
    /// signature flag other than SIG_INPUTS, keys that repeat. The roles come from the
    /// positions (`data` is the provider, the first `pubkeys` entry the tenant); the caller
    /// compares them with the ones it expects.
    public static func read(secret: String) throws(CashuError) -> CashuEscrowLock {
        guard let condition = CashuSpendingCondition.parse(secret: secret) else {
            throw .unsupportedLock("it is not locked at all, and an escrowed tranche must be locked to provider, tenant and arbitrator (NUT-11)")
        }
        guard condition.kind == "P2PK" else { throw .unsupportedLock("it is locked with \(condition.kind), and escrow uses P2PK (NUT-11)") }
        if let unknown = condition.tags.map({ $0[0] }).first(where: { !knownTags.contains($0) }) {
            throw .unsupportedLock("its lock carries a '\(unknown)' tag, which escrow does not use")
        }
        for name in ["sigflag", "n_sigs", "locktime", "n_sigs_refund", "pubkeys", "refund"] where condition.tags.filter({ $0[0] == name }).count > 1 {
            throw .unsupportedLock("its lock repeats the '\(name)' tag")
        }
        guard condition.sigflag == "SIG_INPUTS" else { throw .unsupportedLock("escrow locks sign inputs only (sigflag SIG_INPUTS), not \(condition.sigflag)") }
        guard condition.requiredSignatures == 2 else { throw .unsupportedLock("escrow needs exactly 2 signatures (n_sigs 2), not \(condition.values(of: "n_sigs").first ?? "1")") }
        if let refundSignatures = condition.values(of: "n_sigs_refund").first, refundSignatures != "1" {
            throw .unsupportedLock("escrow's refund path takes the tenant's one signature (n_sigs_refund 1), not \(refundSignatures)")
        }
        let signers = condition.signingKeys
        guard signers.count == 3 else { throw .unsupportedLock("escrow locks to exactly three keys (provider, tenant, arbitrator); this lock names \(signers.count)") }
        let keys = try signers.map { (text: String) throws(CashuError) -> PublicKey in try Self.key(text) }
        guard Set(keys).count == 3 else { throw .unsupportedLock("the provider, tenant and arbitrator keys of an escrow lock must differ") }
        let refund = condition.refundKeys
        guard refund.count == 1, try Self.key(refund[0]) == keys[1] else {
            throw .unsupportedLock("an escrow lock's only refund key is the tenant's (the first 'pubkeys' entry)")
        }
        guard let rawLocktime = condition.values(of: "locktime").first, let locktime = Int64(rawLocktime), locktime > 0 else {
            throw .unsupportedLock("an escrow lock needs a locktime, after which the tenant can take the ecash back")
        }
        return CashuEscrowLock(provider: keys[0], tenant: keys[1], arbitrator: keys[2], locktime: locktime)
    }

    /// The one form of a key on the lock: 33 bytes, `02` and the x coordinate (BIP-340 signs by x alone).
    public static func compressed(_ key: PublicKey) -> String { "02" + key.hex }

    /// A lock key in either 33-byte (02/03) or 32-byte x-only hex.
    static func key(_ text: String) throws(CashuError) -> PublicKey {
        let lower = text.lowercased()
        let xOnly: Substring
        switch lower.utf8.count {
        case 66 where lower.hasPrefix("02") || lower.hasPrefix("03"): xOnly = lower.dropFirst(2)
        case 64: xOnly = Substring(lower)
        default: throw .unsupportedLock("'\(text.prefix(80))' is not a public key")
        }
        do { return try PublicKey(hex: String(xOnly)) } catch { throw .unsupportedLock("'\(text.prefix(80))' is not a public key") }
    }
}
