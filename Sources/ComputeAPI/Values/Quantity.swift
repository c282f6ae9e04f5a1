import Foundation
import KubeQuantity

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
    public var decimal: Decimal? { isValid ? KubeQuantity.decimal(text) : nil }

    /// The amount in thousandths rounded up (CPU in millicores), as Kubernetes' `MilliValue` does.
    public var milliValue: Int64? { isValid ? KubeQuantity.millicores(text) : nil }

    /// The amount rounded up to a whole number (memory in bytes), as Kubernetes' `Value` does.
    public var value: Int64? { isValid ? KubeQuantity.bytes(text) : nil }

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
}
