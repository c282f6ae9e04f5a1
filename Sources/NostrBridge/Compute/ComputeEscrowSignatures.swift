import Foundation

/// Kind 7901 (§7.7): signatures on one escrowed tranche's proofs, for the one party who may use
/// them: a tenant's release to the provider, or an arbitrator's decision for the winner. The
/// signatures are NIP-44 encrypted to that party (SIG_INPUTS signatures spend for whoever holds
/// two); the rest is public, so the loser of a decision learns of it too.
public struct ComputeEscrowSignatures: Sendable, Equatable {
    public enum Purpose: String, Sendable {
        case release
        case decision
    }

    public var purpose: Purpose
    public var requestID: String
    public var tranche: Int
    /// Who the signatures are for (hex): the provider for a release, the winner for a decision.
    public var recipient: String
    /// Y (hex) → BIP-340 signature (hex) on SHA-256 of that proof's secret. Empty when read
    /// without the recipient's key.
    public var signatures: [String: String]
    /// Decision only: the 7900 dispute or claim it answers, the other party, and why.
    public var claimID: String?
    public var otherParty: String?
    public var reason: String?

    /// The most proofs one tranche's signatures may cover (as many as a Cashu payment may carry).
    public static let maximumSignatures = 64

    public init(purpose: Purpose, requestID: String, tranche: Int, recipient: String, signatures: [String: String],
                claimID: String? = nil, otherParty: String? = nil, reason: String? = nil) {
        self.purpose = purpose
        self.requestID = requestID
        self.tranche = tranche
        self.recipient = recipient
        self.signatures = signatures
        self.claimID = claimID
        self.otherParty = otherParty
        self.reason = reason
    }

    private struct Payload: Codable { var signatures: [String: String] }

    public func sign(with key: SecretKey, createdAt: Int64? = nil) throws(ComputeEventError) -> NostrEvent {
        guard let peer = try? PublicKey(hex: recipient) else { throw .invalidTag(ComputeTag.pubkey, "the recipient is not a public key") }
        let content: String
        do {
            let json = try JSONEncoder().encode(Payload(signatures: signatures))
            content = try NIP44.encrypt(String(decoding: json, as: UTF8.self), secretKey: key, peer: peer)
        } catch { throw .encryption("\(error)") }
        var tags: [[String]] = [[ComputeTag.event, requestID], [ComputeTag.pubkey, recipient], [ComputeTag.escrow, purpose.rawValue],
                                [ComputeTag.tranche, String(tranche)]]
        if purpose == .decision {
            tags.append([ComputeTag.winner, recipient])
            if let claimID { tags.append([ComputeTag.event, claimID]) }
            if let otherParty { tags.append([ComputeTag.pubkey, otherParty]) }
            if let reason { tags.append([ComputeTag.reason, String(reason.prefix(1000))]) }
        }
        var builder = EventBuilder(kind: ComputeKinds.escrowSignatures, content: content, tags: tags)
        builder.createdAt = createdAt
        do { return try builder.sign(with: key) } catch { throw .signing(error) }
    }

    /// Reads a kind 7901. With the recipient's `key` the signatures are decrypted; with any other
    /// key, or none, only the public part is read. Who may send it (the request's tenant, the
    /// named arbitrator) is the reader's check.
    public static func parse(_ event: NostrEvent, key: SecretKey? = nil) throws(ComputeEventError) -> ComputeEscrowSignatures {
        guard event.kind == ComputeKinds.escrowSignatures else { throw .wrongKind(event.kind, expected: ComputeKinds.escrowSignatures) }
        let events = event.tagValues(ComputeTag.event)
        guard let requestID = events.first else { throw .missingTag(ComputeTag.event, in: event.kind) }
        guard let recipient = event.firstTagValue(ComputeTag.pubkey) else { throw .missingTag(ComputeTag.pubkey, in: event.kind) }
        guard let raw = event.firstTagValue(ComputeTag.escrow), let purpose = Purpose(rawValue: raw) else {
            throw .invalidTag(ComputeTag.escrow, "expected [\"escrow\", \"release\"|\"decision\"]")
        }
        guard let trancheText = event.firstTagValue(ComputeTag.tranche), let tranche = ComputeTagValues.int(trancheText), tranche >= 0 else {
            throw .invalidTag(ComputeTag.tranche, "expected [\"tranche\", n] with a whole number")
        }
        if purpose == .decision, event.firstTagValue(ComputeTag.winner) != recipient {
            throw .invalidTag(ComputeTag.winner, "a decision's winner is the party its signatures are encrypted to (its first p tag)")
        }
        var signatures: [String: String] = [:]
        if let key, key.publicKey.hex == recipient, let sender = try? PublicKey(hex: event.pubkey) {
            let payload: Payload
            do {
                let plaintext = try NIP44.decrypt(event.content, secretKey: key, peer: sender)
                payload = try JSONDecoder().decode(Payload.self, from: Data(plaintext.utf8))
            } catch { throw .decryption("\(error)") }
            guard payload.signatures.count <= maximumSignatures else {
                throw .invalidTag("signatures", "more than \(maximumSignatures) signatures for one tranche")
            }
            guard payload.signatures.allSatisfy({ ComputeTagValues.isCompressedKeyHex($0.key) && $0.value.utf8.count == 128 && Hex.decode($0.value) != nil }) else {
                throw .invalidTag("signatures", "expected {\"signatures\": {<Y as 66 hex>: <signature as 128 hex>}}")
            }
            signatures = payload.signatures
        }
        let people = event.tagValues(ComputeTag.pubkey)
        return ComputeEscrowSignatures(
            purpose: purpose, requestID: requestID, tranche: tranche, recipient: recipient, signatures: signatures,
            claimID: purpose == .decision ? events.dropFirst().first : nil,
            otherParty: purpose == .decision ? people.dropFirst().first : nil,
            reason: purpose == .decision ? event.firstTagValue(ComputeTag.reason) : nil)
    }
}
