/// Canonical RFC 4648 base64 decoding for encrypted payloads.
///
/// Foundation's `Data(base64Encoded:)` accepts non-canonical input (non-zero trailing bits, and
/// even `"===="` as one zero byte), which would let one ciphertext travel under many spellings.
/// Here padding is required and the unused bits must be zero, so each byte string has exactly one
/// accepted encoding — the one every standard encoder produces.
enum Base64 {
    private static let table: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = Int8(value)
        }
        return table
    }()

    static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(input.count / 4 * 3)
        let pad = UInt8(ascii: "=")
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            let a = table[Int(input[index])]
            let b = table[Int(input[index + 1])]
            guard a >= 0, b >= 0 else { return nil }
            let high = UInt8(a) << 2 | UInt8(b) >> 4
            if isLast && input[index + 3] == pad {
                if input[index + 2] == pad {
                    guard b & 0x0f == 0 else { return nil }
                    out.append(high)
                } else {
                    let c = table[Int(input[index + 2])]
                    guard c >= 0, c & 0x03 == 0 else { return nil }
                    out.append(high)
                    out.append(UInt8(b & 0x0f) << 4 | UInt8(c) >> 2)
                }
            } else {
                let c = table[Int(input[index + 2])]
                let d = table[Int(input[index + 3])]
                guard c >= 0, d >= 0 else { return nil }
                out.append(high)
                out.append(UInt8(b & 0x0f) << 4 | UInt8(c) >> 2)
                out.append(UInt8(c & 0x03) << 6 | UInt8(d))
            }
            index += 4
        }
        return out
    }
}
