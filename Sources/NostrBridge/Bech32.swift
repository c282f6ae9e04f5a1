/// Bech32 (BIP-173, the original checksum constant — NIP-19 does not use bech32m).
public enum Bech32 {
    /// BIP-173 caps strings at 90 characters, which cannot hold an nevent with relays; NIP-19
    /// implementations commonly accept up to 5000, and so does this one.
    public static let maxLength = 5000

    private static let alphabet = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    /// Reverse lookup from ASCII to 5-bit value; -1 for characters outside the alphabet.
    private static let reverse: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = Int8(value)
            // Upper-case input is legal (if consistent); the case check happens separately.
            if character >= UInt8(ascii: "a") && character <= UInt8(ascii: "z") {
                table[Int(character - 32)] = Int8(value)
            }
        }
        return table
    }()

    /// Encodes bytes under a lower-case human-readable prefix.
    public static func encode(hrp: String, data: [UInt8]) throws(Bech32Error) -> String {
        try encode(hrp: hrp, words: regroup(data, from: 8, to: 5, pad: true) ?? [], maxLength: maxLength)
    }

    /// Encodes 5-bit words (each 0...31) under a lower-case prefix. For formats whose data is not
    /// a whole number of bytes, such as BOLT #11 invoices, which also pass their own length limit.
    public static func encode(hrp: String, words: [UInt8], maxLength: Int = Bech32.maxLength) throws(Bech32Error) -> String {
        guard words.allSatisfy({ $0 < 32 }) else { throw .invalidCharacter }
        let prefix = Array(hrp.utf8)
        let length = prefix.count + 1 + words.count + 6
        guard length <= maxLength else { throw .tooLong(length, limit: maxLength) }
        let checksum = checksum(hrp: prefix, words: words)
        var out = prefix
        out.reserveCapacity(length)
        out.append(UInt8(ascii: "1"))
        for word in words + checksum {
            out.append(alphabet[Int(word)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a bech32 string into its lower-case prefix and bytes.
    ///
    /// Refuses, in this order: over-long input, characters outside printable ASCII, mixed case,
    /// a missing separator, characters outside the alphabet, a bad checksum, bad padding bits.
    public static func decode(_ text: String, maxLength: Int = Bech32.maxLength) throws(Bech32Error) -> (hrp: String, data: [UInt8]) {
        let (hrp, words) = try decodeWords(text, maxLength: maxLength)
        guard let data = regroup(words, from: 5, to: 8, pad: false) else { throw .invalidPadding }
        return (hrp, data)
    }

    /// Decodes a bech32 string into its lower-case prefix and its 5-bit data words, checksum
    /// removed. For formats whose data is not a whole number of bytes, such as BOLT #11 invoices
    /// (which have no length limit: pass `.max`). Refuses the same things as `decode` except
    /// padding, which is the caller's to judge.
    public static func decodeWords(_ text: String, maxLength: Int = Bech32.maxLength) throws(Bech32Error) -> (hrp: String, words: [UInt8]) {
        let bytes = Array(text.utf8)
        guard bytes.count <= maxLength else { throw .tooLong(bytes.count, limit: maxLength) }
        guard bytes.count >= 8 else { throw .tooShort }

        var hasLower = false
        var hasUpper = false
        for byte in bytes {
            guard byte >= 33 && byte <= 126 else { throw .invalidCharacter }
            if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { hasLower = true }
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { hasUpper = true }
        }
        guard !(hasLower && hasUpper) else { throw .mixedCase }

        guard let separator = bytes.lastIndex(of: UInt8(ascii: "1")) else { throw .missingSeparator }
        guard separator >= 1 else { throw .missingSeparator }
        guard bytes.count - separator - 1 >= 6 else { throw .tooShort }

        let hrp = bytes[..<separator].map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        var words = [UInt8]()
        words.reserveCapacity(bytes.count - separator - 1)
        for byte in bytes[(separator + 1)...] {
            let value = reverse[Int(byte)]
            guard value >= 0 else { throw .invalidCharacter }
            words.append(UInt8(value))
        }
        guard polymod(expand(hrp) + words) == 1 else { throw .invalidChecksum }
        return (String(decoding: hrp, as: UTF8.self), Array(words.dropLast(6)))
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> UInt32(bit)) & 1 == 1 {
                checksum ^= generator[bit]
            }
        }
        return checksum
    }

    private static func expand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    private static func checksum(hrp: [UInt8], words: [UInt8]) -> [UInt8] {
        let value = polymod(expand(hrp) + words + [0, 0, 0, 0, 0, 0]) ^ 1
        return (0..<6).map { UInt8((value >> (5 * (5 - UInt32($0)))) & 31) }
    }

    /// Regroups bit strings between word sizes. Without padding (decoding), leftover bits must be
    /// fewer than `from` and all zero, so every byte string has exactly one encoding.
    private static func regroup(_ input: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0
        var bits = 0
        let mask = (1 << to) - 1
        var out = [UInt8]()
        out.reserveCapacity(input.count * from / to + 1)
        for value in input {
            accumulator = (accumulator << from | Int(value)) & 0xffff
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((accumulator >> bits) & mask))
            }
        }
        if pad {
            if bits > 0 { out.append(UInt8((accumulator << (to - bits)) & mask)) }
        } else if bits >= from || (accumulator << (to - bits)) & mask != 0 {
            return nil
        }
        return out
    }
}
