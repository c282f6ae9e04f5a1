import Crypto
import Foundation
import NostrBridge

/// A decoded, signature-checked BOLT #11 Lightning invoice: what billing needs to know about an
/// invoice a wallet handed back before it is given to a tenant.
public struct Bolt11Invoice: Sendable, Equatable {
    public let network: Bolt11Network
    /// nil for an invoice of any amount.
    public let amountMsats: Int64?
    public let timestamp: Date
    /// 64 lowercase hex characters.
    public let paymentHash: String
    /// 64 lowercase hex characters, when the invoice has an `s` field.
    public let paymentSecret: String?
    /// The `d` field; an invoice normally has this or `descriptionHash`.
    public let description: String?
    /// The `h` field (SHA-256 of a description sent elsewhere), 64 lowercase hex characters.
    public let descriptionHash: String?
    /// Seconds after `timestamp` until the payee stops accepting payment (default 3600).
    public let expirySeconds: Int
    /// The `c` field (default 18 blocks).
    public let minFinalCltvExpiry: Int
    /// The payee node's 33-byte compressed public key, hex: the `n` field when present (the
    /// signature was verified against it), otherwise recovered from the signature.
    public let payeePubkey: String

    public var expiresAt: Date { timestamp.addingTimeInterval(TimeInterval(expirySeconds)) }

    public func isExpired(at now: Date) -> Bool { now >= expiresAt }

    /// Decodes an invoice in either case, with or without a `lightning:` prefix, and checks its
    /// bech32 checksum (no length limit, as BOLT #11 allows) and its signature.
    public static func decode(_ text: String) throws(Bolt11Error) -> Bolt11Invoice {
        var invoice = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if invoice.lowercased().hasPrefix("lightning:") { invoice = invoice.dropFirst("lightning:".count) }

        let hrp: String
        let words: [UInt8]
        do {
            (hrp, words) = try Bech32.decodeWords(String(invoice), maxLength: .max)
        } catch {
            throw .notBech32(error.description)
        }
        let prefix = try Bolt11Prefix.parse(hrp)

        let timestampWords = 7
        let signatureWords = 104  // 520 bits: 64-byte compact signature + recovery id
        guard words.count >= timestampWords + signatureWords else { throw .tooShort }
        let signed = words[..<(words.count - signatureWords)]
        let signatureBytes = Bolt11Words.bytes(words[(words.count - signatureWords)...], padTrailingBits: false)

        let timestamp = Bolt11Words.integer(signed.prefix(timestampWords)) ?? 0
        let fields = try Bolt11TaggedFields.parse(signed.dropFirst(timestampWords))

        // The signed message is the hrp's bytes followed by the data words before the signature,
        // zero-padded to a whole byte.
        let message = Array(hrp.utf8) + Bolt11Words.bytes(signed, padTrailingBits: true)
        let digest = Array(SHA256.hash(data: message))
        let compact = Array(signatureBytes[0..<64])
        let payee: [UInt8]
        if let stated = fields.payeePubkey {
            try Bolt11Signature.verify(signature: compact, digest: digest, payee: stated)
            payee = stated
        } else {
            payee = try Bolt11Signature.recoverPayee(signature: compact, recoveryID: Int32(signatureBytes[64]), digest: digest)
        }

        return Bolt11Invoice(
            network: prefix.network,
            amountMsats: prefix.amountMsats,
            timestamp: Date(timeIntervalSince1970: TimeInterval(timestamp)),
            paymentHash: Hex.encode(fields.paymentHash),
            paymentSecret: fields.paymentSecret.map { Hex.encode($0) },
            description: fields.description,
            descriptionHash: fields.descriptionHash.map { Hex.encode($0) },
            expirySeconds: fields.expirySeconds,
            minFinalCltvExpiry: fields.minFinalCltvExpiry,
            payeePubkey: Hex.encode(payee)
        )
    }
}
