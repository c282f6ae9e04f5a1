import Foundation

/// Encrypted compute events carry some of their tags as a JSON array of tags in `content`
/// (NIP-90's "encrypted params"), encrypted between the tenant and the provider.
enum ComputeCipher {
    /// NIP-04 payloads are "<base64>?iv=<base64>"; NIP-44 v2 payloads are plain base64, which
    /// never contains "?".
    static func scheme(of payload: String) -> ComputeEncryption {
        payload.contains("?iv=") ? .nip04 : .nip44
    }

    static func seal(_ tags: [[String]], scheme: ComputeEncryption, key: SecretKey, peer: PublicKey) throws(ComputeEventError) -> String {
        let plaintext = serialize(tags)
        do {
            switch scheme {
            // Deterministic: an answer sent twice (a retry, a restart) is the same event, not a second one.
            case .nip44: return try NIP44.encryptDeterministically(plaintext, secretKey: key, peer: peer)
            case .nip04: return try NIP04.encryptDeterministically(plaintext, secretKey: key, peer: peer)
            }
        } catch {
            throw .encryption(String(describing: error))
        }
    }

    /// The hidden tags, or a reason fit to show the sender: the scheme's own failure or why the
    /// plaintext is not a tag array.
    static func open(_ payload: String, key: SecretKey, peer: PublicKey) -> Result<(ComputeEncryption, [[String]]), OpenFailure> {
        let scheme = scheme(of: payload)
        let plaintext: String
        do {
            switch scheme {
            case .nip44: plaintext = try NIP44.decrypt(payload, secretKey: key, peer: peer)
            case .nip04: plaintext = try NIP04.decrypt(payload, secretKey: key, peer: peer)
            }
        } catch {
            return .failure(.undecryptable(scheme, String(describing: error)))
        }
        guard let tags = try? JSONDecoder().decode([[String]].self, from: Data(plaintext.utf8)) else {
            return .failure(.notTagArray(scheme))
        }
        return .success((scheme, tags))
    }

    enum OpenFailure: Error {
        case undecryptable(ComputeEncryption, String)
        case notTagArray(ComputeEncryption)
    }

    static func serialize(_ tags: [[String]]) -> String {
        var out: [UInt8] = []
        CanonicalJSON.appendTags(tags, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

extension ComputeEncryption {
    /// How a compute event marked `encrypted` was sealed, read from its content's shape; nil when
    /// it is not marked. A reply to an event that could not be read is sealed the same way.
    public static func of(_ event: NostrEvent) -> ComputeEncryption? {
        event.hasTag(ComputeTag.encrypted) ? ComputeCipher.scheme(of: event.content) : nil
    }
}
