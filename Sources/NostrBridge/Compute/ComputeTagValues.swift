/// Strict readers for tag values: numbers are plain decimal digits (no sign, no spaces, no
/// exponent), so that every value has exactly one spelling on the wire.
enum ComputeTagValues {
    static func integer(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int64(text)
    }

    static func int(_ text: String) -> Int? {
        integer(text).flatMap { Int(exactly: $0) }
    }

    static func isLowerHex64(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// A Cashu P2PK key: a 33-byte compressed point (66 hex digits starting 02 or 03).
    static func isCompressedKeyHex(_ text: String) -> Bool {
        text.utf8.count == 66 && (text.hasPrefix("02") || text.hasPrefix("03")) && Hex.decode(text, lowercaseOnly: true) != nil
    }

    static func isRelayURL(_ text: String) -> Bool {
        guard text.utf8.count <= ComputeWireLimits.relayURLLength, !text.contains(where: \.isWhitespace) else { return false }
        for scheme in ["wss://", "ws://"] where text.hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            return !rest.isEmpty && !"/?#".contains(rest.first!)
        }
        return false
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard text.utf8.count <= 512, !text.contains(where: \.isWhitespace) else { return false }
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            return !rest.isEmpty && !"/?#".contains(rest.first!)
        }
        return false
    }

    /// A Kubernetes label value, which is what GPU models are matched against.
    static func isLabelValue(_ text: String) -> Bool {
        guard ComputeWireLimits.gpuModelLength.contains(text.utf8.count) else { return false }
        let bytes = Array(text.utf8)
        func alnum(_ b: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
        }
        guard alnum(bytes.first!), alnum(bytes.last!) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// An environment variable name as Kubernetes accepts it: `[-._a-zA-Z][-._a-zA-Z0-9]*`.
    static func isEnvName(_ text: String) -> Bool {
        guard ComputeWireLimits.envNameLength.contains(text.utf8.count) else { return false }
        for (index, b) in text.utf8.enumerated() {
            let letter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
            let digit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
            if !(letter || (digit && index > 0)) { return false }
        }
        return true
    }

    /// An IANA service name (a container port name): lower-case letters, digits and inner dashes,
    /// at least one letter, 1...15 characters.
    static func isPortName(_ text: String) -> Bool {
        guard ComputeWireLimits.portNameLength.contains(text.utf8.count), !text.hasPrefix("-"), !text.hasSuffix("-"), !text.contains("--")
        else { return false }
        var letters = 0
        for b in text.utf8 {
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) { letters += 1 } else if !((UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "-")) {
                return false
            }
        }
        return letters > 0
    }

    /// What an error message may quote of a tenant's value: short, one line.
    static func quoted(_ text: String) -> String {
        let line = text.prefix(64).map { $0.isNewline ? " " : $0 }
        return "\"" + String(line) + (text.count > 64 ? "…" : "") + "\""
    }
}
