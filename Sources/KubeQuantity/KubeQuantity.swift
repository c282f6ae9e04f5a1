import Foundation

/// Kubernetes resource quantities ("500m", "2", "1.5", "16Gi", "1e3"), read the way the
/// apiserver reads them, so the number a bid is priced on is the number the Pod gets. The one
/// reader of quantities for the whole package: a tenant's request (NostrBridge, `ncn`), a lease's
/// and a node's resources (ComputeAPI's `Quantity`).
public enum KubeQuantity {
    /// The exact amount, or nil when the text is not an unsigned Kubernetes quantity.
    public static func decimal(_ text: String) -> Decimal? {
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        var number = Substring(text)
        var multiplier: Decimal = 1
        if let suffix = binarySuffixes.first(where: { text.hasSuffix($0.0) }) {
            number = number.dropLast(2)
            multiplier = suffix.1
        } else if let last = text.last, let value = decimalSuffixes[last] {
            number = number.dropLast()
            multiplier = value
        } else if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            // A decimal exponent: "1e3", "2.5E-1"; the mantissa and exponent are checked separately.
            var exponent = text[text.index(after: e)...]
            let negative = exponent.first == "-"
            if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
            guard isUnsignedDecimal(exponent), let power = Int(exponent), power <= 40 else { return nil }
            number = text[..<e]
            multiplier = negative ? 1 / pow(10, power) : pow(10, power)
        }
        guard isUnsignedDecimal(number), let mantissa = Decimal(string: String(number), locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        return mantissa * multiplier
    }

    /// CPU in millicores, rounded up as Kubernetes' MilliValue does.
    public static func millicores(_ text: String) -> Int64? {
        decimal(text).flatMap { roundedUp($0 * 1000) }
    }

    /// Memory in bytes, rounded up as Kubernetes' Value does.
    public static func bytes(_ text: String) -> Int64? {
        decimal(text).flatMap(roundedUp)
    }

    /// "12", "1.5", ".5", "3." — digits with at most one point and at least one digit.
    private static func isUnsignedDecimal(_ text: Substring) -> Bool {
        var digits = 0
        var points = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") { points += 1 } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { digits += 1 } else { return false }
        }
        return digits > 0 && points <= 1
    }

    private static func roundedUp(_ value: Decimal) -> Int64? {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, 0, .up)
        guard result <= Decimal(Int64.max) else { return nil }
        return NSDecimalNumber(decimal: result).int64Value
    }

    private static let binarySuffixes: [(String, Decimal)] = [
        ("Ki", pow(2, 10)), ("Mi", pow(2, 20)), ("Gi", pow(2, 30)), ("Ti", pow(2, 40)), ("Pi", pow(2, 50)), ("Ei", pow(2, 60)),
    ]
    private static let decimalSuffixes: [Character: Decimal] = [
        "n": Decimal(sign: .plus, exponent: -9, significand: 1), "u": Decimal(sign: .plus, exponent: -6, significand: 1),
        "m": Decimal(sign: .plus, exponent: -3, significand: 1), "k": pow(10, 3), "M": pow(10, 6), "G": pow(10, 9),
        "T": pow(10, 12), "P": pow(10, 15), "E": pow(10, 18),
    ]
}
