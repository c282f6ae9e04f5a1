import Foundation

/// A Kubernetes resource quantity ("500m", "2", "16Gi"), kept exactly as written so a lease
/// round-trips unchanged; `milliValue` and `value` give numbers for arithmetic.
///
/// Decodes from a JSON integer or string (both are valid on the wire), encodes as a string.
public struct Quantity: Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let text: String

    public init(_ text: String) { self.text = text }
    public init(stringLiteral value: String) { self.text = value }

    public var description: String { text }

    /// Whether the apiserver's schema accepts it.
    public var isValid: Bool { Schema.matches(text, Patterns.quantity) }

    /// The exact amount, or nil when the text is not a quantity.
    public var decimal: Decimal? {
        guard isValid else { return nil }
        let (number, multiplier) = Self.split(text)
        guard let mantissa = Decimal(string: number, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        return mantissa * multiplier
    }

    /// The amount in thousandths rounded up (CPU in millicores), as Kubernetes' `MilliValue` does.
    public var milliValue: Int64? { decimal.flatMap { Self.roundedUp($0 * 1000) } }

    /// The amount rounded up to a whole number (memory in bytes), as Kubernetes' `Value` does.
    public var value: Int64? { decimal.flatMap(Self.roundedUp) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else {
            text = try container.decode(String.self)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    private static let binarySuffixes: [(String, Decimal)] = [
        ("Ki", pow(2, 10)), ("Mi", pow(2, 20)), ("Gi", pow(2, 30)), ("Ti", pow(2, 40)), ("Pi", pow(2, 50)), ("Ei", pow(2, 60)),
    ]
    private static let decimalSuffixes: [Character: Decimal] = [
        "n": Decimal(sign: .plus, exponent: -9, significand: 1), "u": Decimal(sign: .plus, exponent: -6, significand: 1),
        "m": Decimal(sign: .plus, exponent: -3, significand: 1), "k": pow(10, 3), "M": pow(10, 6), "G": pow(10, 9),
        "T": pow(10, 12), "P": pow(10, 15), "E": pow(10, 18),
    ]

    /// Number and multiplier; the pattern has already ruled out anything else.
    private static func split(_ text: String) -> (String, Decimal) {
        for (suffix, multiplier) in binarySuffixes where text.hasSuffix(suffix) {
            return (String(text.dropLast(2)), multiplier)
        }
        if let last = text.last, let multiplier = decimalSuffixes[last] {
            return (String(text.dropLast()), multiplier)
        }
        // An exponent ("1e3") is left for Decimal(string:) to read.
        return (text, 1)
    }

    private static func roundedUp(_ value: Decimal) -> Int64? {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, 0, .up)
        guard result <= Decimal(Int64.max) else { return nil }
        return NSDecimalNumber(decimal: result).int64Value
    }
}
