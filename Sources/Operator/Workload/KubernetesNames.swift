/// The apiserver's name and label rules, checked before an object is sent so a bad lease fails
/// with our message instead of a 422 half-way through applying its children. Written out by
/// hand (no regular expressions) so each rule reads like its definition in apimachinery.
enum KubernetesNames {
    /// RFC 1123 label: namespace names, Service names, label-key name prefixes.
    static func isDNSLabel(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count), isLowerAlnum(bytes.first!), isLowerAlnum(bytes.last!) else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// RFC 1123 subdomain: dot-separated DNS labels, at most 253 characters (RuntimeClass names, label-key prefixes).
    static func isDNSSubdomain(_ text: String) -> Bool {
        guard (1...253).contains(text.utf8.count) else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNSLabel(String($0)) }
    }

    /// A label value: empty, or at most 63 characters of alphanumerics, '-', '_' and '.', starting and ending alphanumeric.
    static func isLabelValue(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return true }
        guard bytes.count <= 63, isAlnum(bytes.first!), isAlnum(bytes.last!) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// A label key: an optional DNS-subdomain prefix and '/', then a non-empty name shaped like a label value.
    static func isLabelKey(_ text: String) -> Bool {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts.last!)
        if parts.count == 2, !isDNSSubdomain(String(parts[0])) { return false }
        return !name.isEmpty && isLabelValue(name)
    }

    /// An IANA service name (RFC 6335), what container and Service port names must be: at most 15
    /// lowercase alphanumerics and '-', at least one letter, no leading, trailing or doubled '-'.
    static func isPortName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...15).contains(bytes.count), isLowerAlnum(bytes.first!), isLowerAlnum(bytes.last!) else { return false }
        guard bytes.allSatisfy({ isLowerAlnum($0) || $0 == UInt8(ascii: "-") }) else { return false }
        guard bytes.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) else { return false }
        return !text.contains("--")
    }

    /// An environment variable name as the apiserver accepts it: a C identifier loosened to allow
    /// '-' and '.', not starting with a digit.
    static func isEnvVarName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, !isDigit(first) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// A Secret or ConfigMap key: at most 253 alphanumerics, '-', '_' and '.', and not "." or "..".
    static func isSecretKey(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...253).contains(bytes.count), text != ".", text != ".." else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isLowerAlnum(_ byte: UInt8) -> Bool { isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) }
    private static func isAlnum(_ byte: UInt8) -> Bool { isLowerAlnum(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) }
}
