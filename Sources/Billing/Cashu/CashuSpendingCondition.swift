import Foundation
import NostrBridge

/// A NUT-10 well-known secret, `["KIND", {"nonce": …, "data": …, "tags": [[…]]}]`, as it locks a proof.
/// A secret that does not parse as one is a plain secret (the mint treats it the same way).
public struct CashuSpendingCondition: Sendable, Equatable {
    public var kind: String
    public var data: String
    public var nonce: String?
    public var tags: [[String]]

    public init(kind: String, data: String, nonce: String? = nil, tags: [[String]] = []) {
        self.kind = kind
        self.data = data
        self.nonce = nonce
        self.tags = tags
    }

    /// nil for a plain secret.
    public static func parse(secret: String) -> CashuSpendingCondition? {
        guard secret.first == "[",
              let array = try? JSONSerialization.jsonObject(with: Data(secret.utf8)) as? [Any], array.count == 2,
              let kind = array[0] as? String, let body = array[1] as? [String: Any],
              let data = body["data"] as? String
        else { return nil }
        var tags: [[String]] = []
        if let rawTags = body["tags"] {
            guard let list = rawTags as? [[Any]] else { return nil }
            for tag in list {
                let strings = tag.compactMap { $0 as? String }
                guard strings.count == tag.count, !strings.isEmpty else { return nil }
                tags.append(strings)
            }
        }
        return CashuSpendingCondition(kind: kind, data: data, nonce: body["nonce"] as? String, tags: tags)
    }

    /// Every value of the tags named `name`, in order (a tag may carry several).
    public func values(of name: String) -> [String] {
        tags.filter { $0.first == name }.flatMap { $0.dropFirst() }
    }

    // NUT-11 readings, with the spec's defaults.
    public var sigflag: String { values(of: "sigflag").first ?? "SIG_INPUTS" }
    /// −1 when the tag is not a number, which no signer can satisfy.
    public var requiredSignatures: Int {
        guard let raw = values(of: "n_sigs").first else { return 1 }
        return Int(raw) ?? -1
    }
    /// `data` and the `pubkeys` tag: any `n_sigs` of them may sign.
    public var signingKeys: [String] { [data] + values(of: "pubkeys") }
    public var locktime: Int? { values(of: "locktime").first.flatMap { Int($0) } }
    public var refundKeys: [String] { values(of: "refund") }
}

/// The NUT-11 witness for one input: a BIP-340 signature by the lock key over SHA256(secret).
enum CashuP2PKWitness {
    static func make(secret: String, signer: SecretKey) throws -> String {
        encode([CashuHex.encode(try signer.sign(cashuSHA256(Array(secret.utf8))))])
    }

    /// Whether a lock key (33-byte compressed hex, or 32-byte x-only) is the provider's x-only key.
    /// BIP-340 verifies against the x coordinate alone, so 02 and 03 spellings both name it.
    static func key(_ lockKey: String, is xOnlyHex: String) -> Bool {
        let key = lockKey.lowercased()
        switch key.utf8.count {
        case 66 where key.hasPrefix("02") || key.hasPrefix("03"): return key.dropFirst(2) == Substring(xOnlyHex)
        case 64: return key == xOnlyHex
        default: return false
        }
    }
}
