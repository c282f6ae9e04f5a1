import CSecp256k1
import Crypto
import NostrBridge

/// NostrBridge's lower-case hex, under a name no other Billing file will take.
typealias CashuHex = NostrBridge.Hex

/// 32-byte big-endian scalars modulo the group order n.
enum CashuScalar {
    /// A uniformly random scalar in 1..<n (a blinding factor or a nonce).
    static func random() -> [UInt8] {
        while true {
            let candidate = SecureRandom.bytes(32)
            if isValid(candidate) { return candidate }
        }
    }

    /// In 1..<n.
    static func isValid(_ scalar: [UInt8]) -> Bool {
        scalar.count == 32 && secp256k1_ec_seckey_verify(Secp256k1Context.shared.pointer, scalar) == 1
    }

    /// a·b mod n, nil if either is not in 1..<n.
    static func multiply(_ a: [UInt8], _ b: [UInt8]) -> [UInt8]? {
        guard isValid(a), isValid(b) else { return nil }
        var result = a
        return secp256k1_ec_seckey_tweak_mul(Secp256k1Context.shared.pointer, &result, b) == 1 ? result : nil
    }

    /// a+b mod n, nil if the sum is 0 or an input is invalid.
    static func add(_ a: [UInt8], _ b: [UInt8]) -> [UInt8]? {
        guard isValid(a), b.count == 32 else { return nil }
        var result = a
        return secp256k1_ec_seckey_tweak_add(Secp256k1Context.shared.pointer, &result, b) == 1 ? result : nil
    }
}

/// A secp256k1 point other than infinity (libsecp256k1 cannot represent infinity, so every
/// operation whose result would be infinity returns nil instead).
struct CashuPoint: Equatable, @unchecked Sendable {
    fileprivate var raw: secp256k1_pubkey

    /// Parses SEC1 compressed (33 bytes) or uncompressed (65 bytes) encodings; rejects points off the curve.
    init?(sec1 bytes: [UInt8]) {
        guard bytes.count == 33 || bytes.count == 65 else { return nil }
        var parsed = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(Secp256k1Context.shared.pointer, &parsed, bytes, bytes.count) == 1 else { return nil }
        raw = parsed
    }

    init?(hex: String) {
        guard let bytes = CashuHex.decode(hex) else { return nil }
        self.init(sec1: bytes)
    }

    private init(raw: secp256k1_pubkey) { self.raw = raw }

    /// scalar·G; nil unless the scalar is in 1..<n.
    static func generatorTimes(_ scalar: [UInt8]) -> CashuPoint? {
        guard scalar.count == 32 else { return nil }
        var out = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_create(Secp256k1Context.shared.pointer, &out, scalar) == 1 else { return nil }
        return CashuPoint(raw: out)
    }

    /// scalar·self; nil unless the scalar is in 1..<n.
    func times(_ scalar: [UInt8]) -> CashuPoint? {
        guard scalar.count == 32 else { return nil }
        var out = raw
        guard secp256k1_ec_pubkey_tweak_mul(Secp256k1Context.shared.pointer, &out, scalar) == 1 else { return nil }
        return CashuPoint(raw: out)
    }

    func negated() -> CashuPoint {
        var out = raw
        _ = secp256k1_ec_pubkey_negate(Secp256k1Context.shared.pointer, &out)
        return CashuPoint(raw: out)
    }

    /// self + other; nil when the sum is infinity.
    func adding(_ other: CashuPoint) -> CashuPoint? {
        var out = secp256k1_pubkey()
        let ok: Int32 = withUnsafePointer(to: raw) { a in
            withUnsafePointer(to: other.raw) { b in
                var inputs: [UnsafePointer<secp256k1_pubkey>?] = [a, b]
                return secp256k1_ec_pubkey_combine(Secp256k1Context.shared.pointer, &out, &inputs, 2)
            }
        }
        return ok == 1 ? CashuPoint(raw: out) : nil
    }

    func subtracting(_ other: CashuPoint) -> CashuPoint? { adding(other.negated()) }

    var compressed: [UInt8] { serialize(flags: UInt32(SECP256K1_EC_COMPRESSED), length: 33) }
    var uncompressed: [UInt8] { serialize(flags: UInt32(SECP256K1_EC_UNCOMPRESSED), length: 65) }
    var hex: String { CashuHex.encode(compressed) }

    private func serialize(flags: UInt32, length: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var size = length
        var copy = raw
        _ = secp256k1_ec_pubkey_serialize(Secp256k1Context.shared.pointer, &out, &size, &copy, flags)
        return out
    }

    static func == (lhs: CashuPoint, rhs: CashuPoint) -> Bool { lhs.compressed == rhs.compressed }
}

func cashuSHA256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
