import NostrBridge

/// How NIP-47 payloads are encrypted. NIP-44 v2 is authenticated and length-hiding; NIP-04 is the
/// legacy scheme some wallets still only speak.
public enum NWCEncryption: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The values are the words of the info event's and the request's `encryption` tag.
    case nip44v2 = "nip44_v2"
    case nip04 = "nip04"

    /// Kind of `payment_received`-style notifications under this scheme.
    public var notificationKind: Int {
        switch self {
        case .nip44v2: NWCKind.notification
        case .nip04: NWCKind.legacyNotification
        }
    }

    public var description: String { self.rawValue }

    func encrypt(_ plaintext: String, secretKey: SecretKey, peer: PublicKey) throws -> String {
        switch self {
        case .nip44v2: try NIP44.encrypt(plaintext, secretKey: secretKey, peer: peer)
        case .nip04: try NIP04.encrypt(plaintext, secretKey: secretKey, peer: peer)
        }
    }

    func decrypt(_ payload: String, secretKey: SecretKey, peer: PublicKey) throws -> String {
        switch self {
        case .nip44v2: try NIP44.decrypt(payload, secretKey: secretKey, peer: peer)
        case .nip04: try NIP04.decrypt(payload, secretKey: secretKey, peer: peer)
        }
    }

    /// The scheme a payload was written with, from its shape: NIP-04 is `<base64>?iv=<base64>`,
    /// NIP-44 is one base64 blob. Reading the shape rather than trusting our request's choice
    /// tolerates wallets that answer in the other scheme.
    static func of(payload: String) -> NWCEncryption {
        payload.contains("?iv=") ? .nip04 : .nip44v2
    }
}

/// The NIP-47 event kinds.
public enum NWCKind {
    public static let info = 13194
    public static let request = 23194
    public static let response = 23195
    /// NIP-04 notifications (the legacy kind).
    public static let legacyNotification = 23196
    /// NIP-44 notifications.
    public static let notification = 23197
}
