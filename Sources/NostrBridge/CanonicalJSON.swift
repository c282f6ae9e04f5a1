/// The JSON writer behind event ids.
///
/// NIP-01 fixes the escapes for `\n \" \\ \r \t \b \f` and says everything else is written
/// verbatim. Other control characters (below 0x20) cannot appear raw in valid JSON, so they are
/// written the way the reference implementations' `JSON.stringify` writes them: `\u00xx` with
/// lower-case hex. Everything at or above 0x20, including DEL and all non-ASCII text, is copied
/// as raw UTF-8 — no `\u` escapes, no `\/`, no Unicode normalization.
enum CanonicalJSON {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5c, 0x22])  // \"
            case 0x5c: out.append(contentsOf: [0x5c, 0x5c])  // \\
            case 0x0a: out.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: out.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5c, UInt8(ascii: "b")])
            case 0x0c: out.append(contentsOf: [0x5c, UInt8(ascii: "f")])
            case 0x00..<0x20:
                out.append(contentsOf: [0x5c, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0f)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendInteger<Number: BinaryInteger>(_ number: Number, to out: inout [UInt8]) {
        out.append(contentsOf: String(number).utf8)
    }

    static func appendTags(_ tags: [[String]], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (tagIndex, tag) in tags.enumerated() {
            if tagIndex > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            for (valueIndex, value) in tag.enumerated() {
                if valueIndex > 0 { out.append(UInt8(ascii: ",")) }
                appendString(value, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "]"))
    }
}
