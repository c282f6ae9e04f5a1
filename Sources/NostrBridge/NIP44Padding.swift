extension NIP44 {
    /// Version 2 carries 1...65535 bytes: the length prefix is a big-endian u16 and zero is reserved.
    public static let plaintextLengthRange = 1...65535

    /// The padded size for a plaintext of `unpaddedLength` bytes (excluding the 2-byte prefix).
    ///
    /// Up to 256 bytes, messages round up to a multiple of 32; beyond that the chunk is an eighth
    /// of the next power of two, so lengths leak only to within about 12 %.
    public static func paddedLength(_ unpaddedLength: Int) -> Int {
        guard unpaddedLength > 32 else { return 32 }
        let nextPower = 1 << (Int.bitWidth - (unpaddedLength - 1).leadingZeroBitCount)
        let chunk = nextPower <= 256 ? 32 : nextPower / 8
        return chunk * ((unpaddedLength - 1) / chunk + 1)
    }

    static func pad(_ plaintext: [UInt8]) throws(NIP44Error) -> [UInt8] {
        guard plaintextLengthRange.contains(plaintext.count) else { throw .invalidPlaintextLength }
        var padded = [UInt8(plaintext.count >> 8), UInt8(plaintext.count & 0xff)]
        padded.reserveCapacity(2 + paddedLength(plaintext.count))
        padded.append(contentsOf: plaintext)
        padded.append(contentsOf: repeatElement(0, count: paddedLength(plaintext.count) - plaintext.count))
        return padded
    }

    static func unpad(_ padded: [UInt8]) throws(NIP44Error) -> ArraySlice<UInt8> {
        guard padded.count >= 2 else { throw .invalidPadding }
        let length = Int(padded[0]) << 8 | Int(padded[1])
        // The exact-size check also guarantees 2 + length <= padded.count.
        guard length > 0, padded.count == 2 + paddedLength(length) else { throw .invalidPadding }
        return padded[2..<(2 + length)]
    }
}
