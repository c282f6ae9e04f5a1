import Foundation

/// A point in time as Kubernetes writes it (`metav1.Time`): RFC 3339, UTC, whole seconds.
///
/// Foundation's `Date` would encode as a number with the client's plain `JSONEncoder`; this
/// type keeps the wire form right wherever a lease or provider is encoded.
public struct Timestamp: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let date: Date

    /// Truncates to whole seconds, which is all the apiserver keeps.
    public init(_ date: Date) {
        self.date = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    public static func now() -> Timestamp { Timestamp(Date()) }

    /// Parses RFC 3339 with or without fractional seconds and with any offset; nil if it is not one.
    public init?(rfc3339 text: String) {
        let plain = Date.ISO8601FormatStyle()
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        guard let date = (try? plain.parse(text)) ?? (try? fractional.parse(text)) else { return nil }
        self.init(date)
    }

    public var rfc3339: String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }

    public var description: String { rfc3339 }

    public func adding(seconds: Int) -> Timestamp {
        Timestamp(date.addingTimeInterval(TimeInterval(seconds)))
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.date < rhs.date }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = Timestamp(rfc3339: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339)
    }
}
