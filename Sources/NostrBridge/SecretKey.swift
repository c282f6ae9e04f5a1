import CSecp256k1

/// A secp256k1 secret key with its x-only public key.
///
/// The secret never appears in `description`, `debugDescription`, `dump` or a `Mirror`, so it
/// cannot leak through string interpolation or a logger. Reading it takes an explicit call to
/// `exportHex()` (or `NIP19.encodeNsec(_:)`). The bytes live in one heap allocation that is wiped
/// when the last copy of the key goes away.
public struct SecretKey: Sendable {
    /// Immutable after `init`, so sharing it between threads is safe.
    final class Storage: @unchecked Sendable {
        let secret: UnsafeMutablePointer<UInt8>
        /// Cached so that signing skips a scalar multiplication per event.
        let keypair: UnsafeMutablePointer<secp256k1_keypair>

        init() {
            secret = .allocate(capacity: 32)
            secret.initialize(repeating: 0, count: 32)
            keypair = .allocate(capacity: 1)
            keypair.initialize(to: secp256k1_keypair())
        }

        deinit {
            secureZero(secret, count: 32)
            secureZero(keypair, count: MemoryLayout<secp256k1_keypair>.size)
            secret.deallocate()
            keypair.deallocate()
        }
    }

    let storage: Storage
    public let publicKey: PublicKey

    /// A fresh key from the system CSPRNG.
    public static func generate() -> SecretKey {
        while true {
            var candidate = SecureRandom.bytes(32)
            defer { secureZero(&candidate) }
            // Fails only for 0 or values ≥ n: probability about 2⁻¹²⁸, so the loop runs once.
            if let key = try? SecretKey(bytes: candidate) {
                return key
            }
        }
    }

    /// Accepts 32 bytes in 1...n-1.
    public init<Bytes: Collection>(bytes: Bytes) throws(KeyError) where Bytes.Element == UInt8 {
        guard bytes.count == 32 else { throw .wrongLength }
        let storage = Storage()
        var index = 0
        for byte in bytes {
            storage.secret[index] = byte
            index += 1
        }
        let context = Secp256k1Context.shared.pointer
        guard secp256k1_ec_seckey_verify(context, storage.secret) == 1,
              secp256k1_keypair_create(context, storage.keypair, storage.secret) == 1
        else { throw .invalidSecretKey }

        var xonly = secp256k1_xonly_pubkey()
        var x = [UInt8](repeating: 0, count: 32)
        guard secp256k1_keypair_xonly_pub(context, &xonly, nil, storage.keypair) == 1,
              secp256k1_xonly_pubkey_serialize(context, &x, &xonly) == 1
        else { throw .invalidSecretKey }

        self.storage = storage
        self.publicKey = PublicKey(trustedBytes: x)
    }

    /// Accepts 64 hex digits (either case).
    public init(hex: String) throws(KeyError) {
        guard hex.utf8.count == 64 else { throw .wrongLength }
        guard var decoded = Hex.decode(hex) else { throw .invalidHex }
        defer { secureZero(&decoded) }
        try self.init(bytes: decoded)
    }

    /// The secret as lower-case hex. Deliberately a method with an explicit name: this is the only
    /// way (besides nsec) to get the secret out, and it should be easy to find in review.
    public func exportHex() -> String {
        Hex.encode(UnsafeBufferPointer(start: storage.secret, count: 32))
    }

    /// Scoped access to the raw 32 bytes, for code that must hand them to another library.
    public func withUnsafeSecretBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try body(UnsafeBufferPointer(start: storage.secret, count: 32))
    }
}

extension SecretKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "SecretKey(<redacted>, publicKey: \(publicKey.hex))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["publicKey": publicKey], displayStyle: .struct)
    }
}
