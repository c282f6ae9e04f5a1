import Foundation

/// `metav1.MicroTime` as the apiserver parses it: RFC 3339 in UTC with exactly six fractional
/// digits (Go's layout requires all six, so ISO8601FormatStyle's milliseconds are refused).
enum MicroTime {
    static func format(_ date: Date) -> String {
        let since1970 = date.timeIntervalSince1970
        let whole = since1970.rounded(.down)
        let micros = min(Int(((since1970 - whole) * 1_000_000).rounded(.down)), 999_999)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: whole))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                      parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!, micros)
    }
}
