import Foundation
import NostrBridge

/// One party's NUT-11 signatures on escrowed proofs: a BIP-340 signature on SHA256(secret) per
/// proof, keyed by the proof's Y (hash_to_curve of its secret, the name NUT-07 gives a proof).
///
/// SIG_INPUTS signatures do not name the outputs, so whoever holds two of them and the proofs
/// can spend: a release or a decision travels encrypted to the one party it is meant for.
public struct CashuEscrowSignatures: Sendable, Equatable, Codable {
    /// Y (33-byte hex) → signature (64-byte hex).
    public var byY: [String: String]

    public init(byY: [String: String]) { self.byY = byY }

    /// `key` signs every proof's secret. Keys never sign a Nostr event this way by accident: a
    /// secret starts with `["P2PK"`, an event's serialization with `[0,`.
    public static func sign(_ proofs: [CashuProof], with key: SecretKey) throws(CashuError) -> CashuEscrowSignatures {
        var byY: [String: String] = [:]
        for proof in proofs {
            guard let y = CashuWalletCrypto.y(of: proof) else { throw .unsupportedLock("a secret maps to no curve point") }
            do { byY[y] = CashuHex.encode(try key.sign(cashuSHA256(Array(proof.secret.utf8)))) } catch {
                throw .unsupportedLock("signing an escrowed proof failed")
            }
        }
        return CashuEscrowSignatures(byY: byY)
    }

    /// Whether this holds, for every proof, a valid signature by `key`.
    public func covers(_ proofs: [CashuProof], by key: PublicKey) -> Bool {
        !proofs.isEmpty && proofs.allSatisfy { proof in
            guard let y = CashuWalletCrypto.y(of: proof), let signature = byY[y] else { return false }
            return Self.isValid(signature, on: proof.secret, by: key)
        }
    }

    public static func isValid(_ signature: String, on secret: String, by key: PublicKey) -> Bool {
        guard let bytes = CashuHex.decode(signature), bytes.count == 64 else { return false }
        return key.isValidSignature(bytes, for: cashuSHA256(Array(secret.utf8)))
    }

    /// The proofs with their NUT-11 witnesses: each party's signature, in the order given.
    /// Throws when a party has not signed a proof.
    public static func witnessed(_ proofs: [CashuProof], by parties: [CashuEscrowSignatures]) throws(CashuError) -> [CashuProof] {
        try proofs.map { (proof: CashuProof) throws(CashuError) -> CashuProof in
            guard let y = CashuWalletCrypto.y(of: proof) else { throw .unsupportedLock("a secret maps to no curve point") }
            var signatures: [String] = []
            for party in parties {
                guard let signature = party.byY[y] else { throw .unsupportedLock("a proof of \(proof.amount) lacks a signature it needs") }
                signatures.append(signature)
            }
            var witnessed = proof
            witnessed.witness = CashuP2PKWitness.encode(signatures)
            return witnessed
        }
    }
}

extension CashuP2PKWitness {
    private struct Witness: Encodable { var signatures: [String] }

    static func encode(_ signatures: [String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = (try? encoder.encode(Witness(signatures: signatures))) ?? Data(#"{"signatures":[]}"#.utf8)
        return String(decoding: json, as: UTF8.self)
    }
}
