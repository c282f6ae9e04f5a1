import Foundation
import NostrBridge

/// A NIP-47 connection string:
/// `nostr+walletconnect://<wallet pubkey hex>?relay=<url>&relay=<url>&secret=<64 hex>&lud16=<address>`.
///
/// The secret is the client's signing and encryption key for this one connection, so it is a
/// `SecretKey` (which never prints itself) and `description` leaves it out: the URI may end up in
/// logs, errors and status messages, the secret must not.
public struct NWCConnectionURI: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let scheme = "nostr+walletconnect"

    /// The wallet service's key: it signs info events and responses.
    public let walletPublicKey: PublicKey
    /// `ws://` or `wss://` URLs, in the order given, without duplicates.
    public let relays: [String]
    /// The client's key for this connection.
    public let secret: SecretKey
    /// The wallet's Lightning address, if it told us.
    public let lud16: String?

    public init(walletPublicKey: PublicKey, relays: [String], secret: SecretKey, lud16: String? = nil) {
        self.walletPublicKey = walletPublicKey
        self.relays = relays
        self.secret = secret
        self.lud16 = lud16
    }

    /// Parses a connection string. Errors name the part that is wrong, never the secret's value.
    public init(parsing text: String) throws(NWCConnectionURIError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let prefix = Self.scheme + ":"
        guard trimmed.lowercased().hasPrefix(prefix) else {
            throw NWCConnectionURIError(.wrongScheme, "a wallet connection starts with '\(Self.scheme)://'")
        }
        // Some wallets write `nostr+walletconnect:<pubkey>` (the NIP's first drafts), others `://`.
        var rest = Substring(trimmed.dropFirst(prefix.count))
        if rest.hasPrefix("//") { rest = rest.dropFirst(2) }
        let (hostPart, queryPart) = Self.split(rest, at: "?")
        let host = hostPart.hasSuffix("/") ? String(hostPart.dropLast()) : String(hostPart)

        guard !host.isEmpty else { throw NWCConnectionURIError(.badWalletPublicKey, "the wallet public key is missing") }
        guard host.count == 64, let key = try? PublicKey(hex: host.lowercased()) else {
            throw NWCConnectionURIError(.badWalletPublicKey, "the wallet public key is not 64 hex characters of a valid key")
        }

        var relays: [String] = []
        var secretHex: String?
        var lud16: String?
        for pair in (queryPart ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let (rawName, rawValue) = Self.split(pair, at: "=")
            let name = Self.percentDecoded(rawName)
            guard let value = rawValue.map(Self.percentDecoded) else {
                throw NWCConnectionURIError(.badParameter, "parameter '\(name)' has no value")
            }
            switch name {
            case "relay":
                guard Self.isRelayURL(value) else {
                    throw NWCConnectionURIError(.badRelay, "relay '\(value)' is not a ws:// or wss:// URL")
                }
                if !relays.contains(value) { relays.append(value) }
            case "secret":
                guard secretHex == nil else { throw NWCConnectionURIError(.badSecret, "the secret is given twice") }
                secretHex = value
            case "lud16":
                lud16 = value.isEmpty ? nil : value
            default:
                continue  // NIP-47 may grow parameters; unknown ones are not our business
            }
        }
        guard !relays.isEmpty else { throw NWCConnectionURIError(.missingRelay, "the connection names no relay") }
        guard let secretHex else { throw NWCConnectionURIError(.missingSecret, "the connection has no secret") }
        guard secretHex.count == 64, let secret = try? SecretKey(hex: secretHex.lowercased()) else {
            throw NWCConnectionURIError(.badSecret, "the secret is not 64 hex characters of a valid secp256k1 key")
        }
        self.init(walletPublicKey: key, relays: relays, secret: secret, lud16: lud16)
    }

    /// The full connection string, secret included: for handing to a wallet-side tool, never for logs.
    public func exportWithSecret() -> String {
        var query = self.relays.map { "relay=" + Self.percentEncoded($0) }
        query.append("secret=" + self.secret.exportHex())
        if let lud16 { query.append("lud16=" + Self.percentEncoded(lud16)) }
        return "\(Self.scheme)://\(self.walletPublicKey.hex)?" + query.joined(separator: "&")
    }

    public var description: String {
        var text = "\(Self.scheme)://\(self.walletPublicKey.hex)?"
        text += self.relays.map { "relay=" + Self.percentEncoded($0) }.joined(separator: "&")
        text += "&secret=<redacted>"
        if let lud16 { text += "&lud16=" + Self.percentEncoded(lud16) }
        return text
    }

    public var debugDescription: String { self.description }
    public var customMirror: Mirror {
        Mirror(self, children: ["walletPublicKey": walletPublicKey, "relays": relays, "lud16": lud16 as Any], displayStyle: .struct)
    }

    // MARK: Helpers

    private static func split<S: StringProtocol>(_ text: S, at separator: Character) -> (S.SubSequence, String?) {
        guard let index = text.firstIndex(of: separator) else { return (text[...], nil) }
        return (text[..<index], String(text[text.index(after: index)...]))
    }

    /// `+` stays `+`: relay URLs and keys never contain spaces, and form decoding would corrupt a `+`.
    private static func percentDecoded<S: StringProtocol>(_ text: S) -> String {
        String(text).removingPercentEncoding ?? String(text)
    }

    private static let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    private static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? text
    }

    private static func isRelayURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "ws" || scheme == "wss", let host = url.host, !host.isEmpty
        else { return false }
        return true
    }
}

/// Why a connection string was refused. The message names the part, never the secret.
public struct NWCConnectionURIError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: String, Sendable, Hashable {
            case wrongScheme = "wrong-scheme"
            case badWalletPublicKey = "bad-wallet-public-key"
            case missingRelay = "missing-relay"
            case badRelay = "bad-relay"
            case missingSecret = "missing-secret"
            case badSecret = "bad-secret"
            case badParameter = "bad-parameter"
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        public static let wrongScheme = Code(.wrongScheme)
        public static let badWalletPublicKey = Code(.badWalletPublicKey)
        public static let missingRelay = Code(.missingRelay)
        public static let badRelay = Code(.badRelay)
        public static let missingSecret = Code(.missingSecret)
        public static let badSecret = Code(.badSecret)
        public static let badParameter = Code(.badParameter)

        public var description: String { self.wrapped.rawValue }
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "invalid wallet connection (\(self.code)): \(self.message)" }
}
