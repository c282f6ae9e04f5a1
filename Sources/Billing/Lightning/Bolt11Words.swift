/// Reading the 5-bit words of an invoice's data part as numbers and bytes.
enum Bolt11Words {
    /// A big-endian number; nil when it has more than 60 bits, which no field of ours needs.
    static func integer<Words: Collection<UInt8>>(_ words: Words) -> UInt64? {
        guard words.count <= 12 else { return nil }
        return words.reduce(0) { $0 << 5 | UInt64($1) }
    }

    /// The words' bits as bytes. With `padTrailingBits`, a last partial byte is completed with
    /// zero bits (how the signed message is formed); without, bits that do not fill a byte are
    /// dropped (how fixed-size fields such as the 52-word payment hash are read).
    static func bytes<Words: Collection<UInt8>>(_ words: Words, padTrailingBits: Bool) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(words.count * 5 / 8 + 1)
        var accumulator: UInt32 = 0
        var bits = 0
        for word in words {
            accumulator = (accumulator << 5 | UInt32(word)) & 0xfff
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        if padTrailingBits && bits > 0 {
            out.append(UInt8(truncatingIfNeeded: accumulator << UInt32(8 - bits)))
        }
        return out
    }

    /// A number as words, most significant first, without leading zero words.
    static func words(of value: UInt64) -> [UInt8] {
        var out = [UInt8]()
        var rest = value
        while rest > 0 {
            out.insert(UInt8(rest & 31), at: 0)
            rest >>= 5
        }
        return out
    }

    /// Bytes as words, zero-padding the last word.
    static func words(of bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in bytes {
            accumulator = (accumulator << 8 | UInt32(byte)) & 0xfff
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(UInt8((accumulator >> UInt32(bits)) & 31))
            }
        }
        if bits > 0 { out.append(UInt8((accumulator << UInt32(5 - bits)) & 31)) }
        return out
    }
}
