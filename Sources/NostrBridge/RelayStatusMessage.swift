/// The free-text field of `OK` and `CLOSED` messages, with its machine-readable prefix decoded.
///
/// NIP-01 shapes it as `"<word>: <human text>"`; NIP-42 adds `auth-required` and `restricted`.
/// The raw text is kept verbatim so that it round-trips and can be logged as the relay sent it.
public struct RelayStatusMessage: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public enum Prefix: Sendable, Hashable {
        case duplicate
        case pow
        case blocked
        case rateLimited
        case invalid
        case error
        case authRequired
        case restricted
        /// Seen in the wild for `CLOSED` ("unsupported: filter contains unknown elements").
        case unsupported
        /// A well-formed prefix this client has no meaning for, lower-cased.
        case other(String)

        init(word: String) {
            switch word {
            case "duplicate": self = .duplicate
            case "pow": self = .pow
            case "blocked": self = .blocked
            case "rate-limited": self = .rateLimited
            case "invalid": self = .invalid
            case "error": self = .error
            case "auth-required": self = .authRequired
            case "restricted": self = .restricted
            case "unsupported": self = .unsupported
            default: self = .other(word)
            }
        }

        public var word: String {
            switch self {
            case .duplicate: "duplicate"
            case .pow: "pow"
            case .blocked: "blocked"
            case .rateLimited: "rate-limited"
            case .invalid: "invalid"
            case .error: "error"
            case .authRequired: "auth-required"
            case .restricted: "restricted"
            case .unsupported: "unsupported"
            case .other(let word): word
            }
        }
    }

    /// Exactly what the relay sent.
    public let raw: String
    /// `nil` when the text does not start with `<single word>:`.
    public let prefix: Prefix?
    /// The human part after the prefix (or the whole text without one), trimmed of spaces.
    public let reason: String

    public init(_ raw: String) {
        self.raw = raw
        if let (word, rest) = Self.splitPrefix(raw) {
            self.prefix = Prefix(word: word)
            self.reason = rest
        } else {
            self.prefix = nil
            self.reason = Self.trimSpaces(Substring(raw))
        }
    }

    public init(stringLiteral value: String) { self.init(value) }

    public init(prefix: Prefix, reason: String) {
        self.init(reason.isEmpty ? "\(prefix.word):" : "\(prefix.word): \(reason)")
    }

    public var description: String { self.raw }

    /// A prefix is a single word of lower-case letters, digits and dashes immediately followed by `:`.
    /// Anything else ("Error 500: x", "see https://…") is treated as prose, not a prefix;
    /// upper-case is folded because some relays capitalise ("Duplicate: …").
    private static func splitPrefix(_ raw: String) -> (String, String)? {
        guard let colon = raw.firstIndex(of: ":") else { return nil }
        let word = raw[..<colon].lowercased()
        guard !word.isEmpty, word.utf8.count <= 32,
            word.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d })
        else { return nil }
        return (word, trimSpaces(raw[raw.index(after: colon)...]))
    }

    private static func trimSpaces(_ text: Substring) -> String {
        var text = text
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
