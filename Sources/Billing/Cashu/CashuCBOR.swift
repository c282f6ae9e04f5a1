/// The small part of CBOR (RFC 8949) that Cashu V4 tokens use: unsigned integers, byte and text
/// strings, arrays, maps, booleans and null. Anything else — negative integers, floats, tags,
/// indefinite lengths — is refused rather than guessed at, because a token is untrusted input.
public enum CashuCBOR: Sendable, Equatable {
    case unsigned(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CashuCBOR])
    /// Pairs in wire order; keys are unique (the decoder refuses duplicates).
    case map([(key: CashuCBOR, value: CashuCBOR)])
    case bool(Bool)
    case null

    public static func == (lhs: CashuCBOR, rhs: CashuCBOR) -> Bool {
        switch (lhs, rhs) {
        case let (.unsigned(a), .unsigned(b)): return a == b
        case let (.bytes(a), .bytes(b)): return a == b
        case let (.text(a), .text(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.map(a), .map(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// The value under a text key of a map; nil for a missing key or a non-map.
    public subscript(key: String) -> CashuCBOR? {
        guard case let .map(pairs) = self else { return nil }
        return pairs.first { $0.key == .text(key) }?.value
    }
}

/// Why CBOR bytes were refused.
public struct CashuCBORError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case truncated
        case unsupported(String)
        case invalidUTF8
        case tooDeep
        case duplicateKey
        case trailingBytes
    }
    private let code: Code

    static let truncated = Self(code: .truncated)
    static func unsupported(_ what: String) -> Self { Self(code: .unsupported(what)) }
    static let invalidUTF8 = Self(code: .invalidUTF8)
    static let tooDeep = Self(code: .tooDeep)
    static let duplicateKey = Self(code: .duplicateKey)
    static let trailingBytes = Self(code: .trailingBytes)

    public var description: String {
        switch code {
        case .truncated: return "CBOR: the data ends in the middle of an item"
        case let .unsupported(what): return "CBOR: \(what) is not allowed in a Cashu token"
        case .invalidUTF8: return "CBOR: a text string is not valid UTF-8"
        case .tooDeep: return "CBOR: nesting is deeper than a token ever needs"
        case .duplicateKey: return "CBOR: a map repeats a key"
        case .trailingBytes: return "CBOR: bytes follow the top-level item"
        }
    }
}

extension CashuCBOR {
    /// Tokens nest four levels; the limit only has to stop stack exhaustion by hostile input.
    static let maximumDepth = 16

    /// Decodes exactly one item that must span all of `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(CashuCBORError) -> CashuCBOR {
        var reader = Reader(bytes: bytes)
        let value = try reader.item(depth: 0)
        guard reader.offset == bytes.count else { throw .trailingBytes }
        return value
    }

    /// The shortest-form encoding; map pairs keep their order.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        append(to: &out)
        return out
    }

    private func append(to out: inout [UInt8]) {
        switch self {
        case let .unsigned(value):
            Self.appendHead(major: 0, argument: value, to: &out)
        case let .bytes(bytes):
            Self.appendHead(major: 2, argument: UInt64(bytes.count), to: &out)
            out += bytes
        case let .text(text):
            let utf8 = Array(text.utf8)
            Self.appendHead(major: 3, argument: UInt64(utf8.count), to: &out)
            out += utf8
        case let .array(items):
            Self.appendHead(major: 4, argument: UInt64(items.count), to: &out)
            for item in items { item.append(to: &out) }
        case let .map(pairs):
            Self.appendHead(major: 5, argument: UInt64(pairs.count), to: &out)
            for pair in pairs {
                pair.key.append(to: &out)
                pair.value.append(to: &out)
            }
        case let .bool(value):
            out.append(value ? 0xf5 : 0xf4)
        case .null:
            out.append(0xf6)
        }
    }

    private static func appendHead(major: UInt8, argument: UInt64, to out: inout [UInt8]) {
        let type = major << 5
        switch argument {
        case 0..<24:
            out.append(type | UInt8(argument))
        case 24...0xff:
            out += [type | 24, UInt8(argument)]
        case 0x100...0xffff:
            out += [type | 25, UInt8(argument >> 8), UInt8(argument & 0xff)]
        case 0x1_0000...0xffff_ffff:
            out.append(type | 26)
            for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: argument >> UInt64(shift))) }
        default:
            out.append(type | 27)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: argument >> UInt64(shift))) }
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func byte() throws(CashuCBORError) -> UInt8 {
            guard offset < bytes.count else { throw .truncated }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func take(_ count: UInt64) throws(CashuCBORError) -> ArraySlice<UInt8> {
            // Compare before converting: a hostile length may not fit in Int.
            guard count <= UInt64(bytes.count - offset) else { throw .truncated }
            let end = offset + Int(count)
            defer { offset = end }
            return bytes[offset..<end]
        }

        /// The argument of a head whose low five bits are `info`.
        mutating func argument(_ info: UInt8) throws(CashuCBORError) -> UInt64 {
            let width: Int
            switch info {
            case 0..<24: return UInt64(info)
            case 24: width = 1
            case 25: width = 2
            case 26: width = 4
            case 27: width = 8
            case 31: throw .unsupported("an indefinite length")
            default: throw .unsupported("a reserved additional-information value")
            }
            // Non-shortest forms are accepted: they are unambiguous, and wallets differ.
            var value: UInt64 = 0
            for byte in try take(UInt64(width)) { value = value << 8 | UInt64(byte) }
            return value
        }

        mutating func item(depth: Int) throws(CashuCBORError) -> CashuCBOR {
            guard depth <= CashuCBOR.maximumDepth else { throw .tooDeep }
            let head = try byte()
            let major = head >> 5
            let info = head & 0x1f
            switch major {
            case 0:
                return .unsigned(try argument(info))
            case 1:
                throw .unsupported("a negative integer")
            case 2:
                return .bytes(Array(try take(try argument(info))))
            case 3:
                guard let text = String(validating: try take(try argument(info)), as: UTF8.self) else { throw .invalidUTF8 }
                return .text(text)
            case 4:
                let count = try argument(info)
                // Every item takes at least one byte, which bounds the allocation by the input size.
                guard count <= UInt64(bytes.count - offset) else { throw .truncated }
                var items: [CashuCBOR] = []
                items.reserveCapacity(Int(count))
                for _ in 0..<count { items.append(try item(depth: depth + 1)) }
                return .array(items)
            case 5:
                let count = try argument(info)
                guard count <= UInt64(bytes.count - offset) / 2 else { throw .truncated }
                var pairs: [(key: CashuCBOR, value: CashuCBOR)] = []
                pairs.reserveCapacity(Int(count))
                for _ in 0..<count {
                    let key = try item(depth: depth + 1)
                    guard !pairs.contains(where: { $0.key == key }) else { throw .duplicateKey }
                    pairs.append((key, try item(depth: depth + 1)))
                }
                return .map(pairs)
            case 6:
                throw .unsupported("a tag")
            default:
                switch info {
                case 20: return .bool(false)
                case 21: return .bool(true)
                case 22: return .null
                case 25, 26, 27: throw .unsupported("a floating-point number")
                default: throw .unsupported("a simple value other than true, false or null")
                }
            }
        }
    }
}
