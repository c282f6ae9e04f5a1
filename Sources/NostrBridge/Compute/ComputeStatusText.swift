/// The human text of a `status` tag, made safe to publish. Refusals quote what the tenant sent
/// (an image name, a variable), and a request can carry any bytes: control characters in a
/// published tag make some relays refuse the event and some terminals obey them. Each control
/// character becomes a visible escape, and the text is cut to a length every relay accepts.
public enum ComputeStatusText {
    public static let maximumLength = 512

    public static func publishable(_ text: String) -> String {
        var out = ""
        var length = 0
        for scalar in text.unicodeScalars {
            let piece: String
            switch scalar.properties.generalCategory {
            case .control, .format where scalar.value != 0x200D, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                piece = "\\u{\(String(scalar.value, radix: 16))}"
            default:
                piece = String(scalar)
            }
            if length + piece.count > maximumLength - 1 {
                out += "…"
                return out
            }
            out += piece
            length += piece.count
        }
        return out
    }
}
