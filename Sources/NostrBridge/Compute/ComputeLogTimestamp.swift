/// The instant of one log line as Kubernetes writes it with `timestamps=true`: RFC 3339 in UTC
/// with up to nine fraction digits (`2026-01-01T00:00:05.123456789Z`). Log requests name one as
/// the cursor after which lines are wanted (§5.4), so it is compared by value, not as text:
/// the kubelet trims trailing zeros, so `…05.1Z` and `…05.10Z` are the same instant.
public struct ComputeLogTimestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Unix seconds.
    public let seconds: Int64
    public let nanoseconds: Int32
    /// The text it was read from (or written as).
    public let text: String

    /// Nil for anything but `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with a valid date, at most 40 bytes.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 40, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year), hour < 24, minute < 60, second < 60
        else { return nil }
        var nanos = 0
        if bytes.count > 20 {
            // A fraction: '.', 1 to 9 digits, then 'Z'.
            let digits = bytes.count - 21
            guard bytes[19] == UInt8(ascii: "."), (1...9).contains(digits), let fraction = number(20..<(20 + digits)) else { return nil }
            nanos = fraction
            for _ in digits..<9 { nanos *= 10 }
        } else if bytes[19] != UInt8(ascii: "Z") {
            return nil
        }
        seconds = Self.unixSeconds(year: year, month: month, day: day) + Int64(hour * 3600 + minute * 60 + second)
        nanoseconds = Int32(nanos)
        self.text = text
    }

    /// The instant `seconds` (unix) with no fraction, written as RFC 3339.
    public init(unixSeconds: Int64) {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        let rest = Int(unixSeconds - days * 86_400)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        self.text = "\(yearText)-\(two(month))-\(two(day))T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))Z"
        self.seconds = unixSeconds
        self.nanoseconds = 0
    }

    public var description: String { text }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds) }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.seconds == rhs.seconds && lhs.nanoseconds == rhs.nanoseconds }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(seconds)
        hasher.combine(nanoseconds)
    }

    private static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm), in seconds.
    private static func unixSeconds(year: Int, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return Int64(era * 146_097 + dayOfEra - 719_468) * 86_400
    }

    private static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
