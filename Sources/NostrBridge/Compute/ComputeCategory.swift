/// Workload categories (draft §3.2, §3.3): the one statement of what a category looks like and
/// which requests an offer's categories admit, read by the provider's policy check and by the
/// tenant's offer search alike.
public enum ComputeCategory {
    /// Lower-case letters and digits in words joined by single dashes, 1 to 32 characters. The
    /// CRD's `Patterns.workloadCategory` says the same; a test holds them together.
    public static func isValid(_ text: String) -> Bool {
        guard ComputeWireLimits.categoryLength.contains(text.utf8.count), !text.hasPrefix("-"), !text.hasSuffix("-"), !text.contains("--")
        else { return false }
        return text.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            || $0 == UInt8(ascii: "-") }
    }

    /// Whether a request naming `requested` (nil: none) may run where `offered` are the categories
    /// run; none offered admits any request.
    public static func admits(offered: [String], requested: String?) -> Bool {
        offered.isEmpty || requested.map(offered.contains) ?? false
    }
}
