import Foundation

extension NostrEvent {
    /// Allowed clock difference for `created_at` ahead of now. Fifteen minutes covers badly synced
    /// clients without letting an event squat on a replaceable slot far into the future.
    public static let defaultMaxSkew: Int64 = 900
    /// Upper bound on the serialized event. Generous enough for a full NIP-44 payload (87 472
    /// characters) plus tags.
    public static let defaultMaxSize = 131_072

    /// Current Unix time in whole seconds.
    public static func currentTimestamp() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }

    /// Checks everything needed before trusting an event from the network, cheapest first, and
    /// throws the first problem found.
    ///
    /// - Parameters:
    ///   - now: the reference time (Unix seconds).
    ///   - maxSkew: how far `created_at` may lie in the future.
    ///   - maxAge: how far `created_at` may lie in the past; `nil` accepts any age (history is legitimate).
    ///   - maxSize: limit on the compact JSON encoding, in bytes.
    public func validate(
        now: Int64 = NostrEvent.currentTimestamp(),
        maxSkew: Int64 = NostrEvent.defaultMaxSkew,
        maxAge: Int64? = nil,
        maxSize: Int = NostrEvent.defaultMaxSize
    ) throws(EventError) {
        try Self.checkHex(id, field: .id, length: 64)
        try Self.checkHex(pubkey, field: .pubkey, length: 64)
        try Self.checkHex(sig, field: .sig, length: 128)
        guard (0...65535).contains(kind) else { throw .kindOutOfRange(kind) }

        guard createdAt >= 0 else { throw .createdAtNegative }
        // Written as subtractions so that extreme values cannot overflow.
        if createdAt > now, createdAt - now > maxSkew {
            throw .createdAtInFuture(createdAt, now: now, maxSkew: maxSkew)
        }
        if let maxAge, createdAt < now, now - createdAt > maxAge {
            throw .createdAtTooOld(createdAt, now: now, maxAge: maxAge)
        }

        // Bounded before hashing, so an oversized event costs no more than measuring it.
        let size = jsonBytes().count
        guard size <= maxSize else { throw .tooLarge(size, limit: maxSize) }

        let expected = computedID()
        guard expected == id else { throw .idMismatch(expected: expected) }

        // The hex checks above make these decodes infallible; the guards keep it so if they change.
        guard let pubkeyBytes = Hex.decode(pubkey, lowercaseOnly: true),
              let key = try? PublicKey(bytes: pubkeyBytes)
        else { throw .invalidPublicKey }
        guard let signature = Hex.decode(sig, lowercaseOnly: true),
              let idBytes = Hex.decode(id, lowercaseOnly: true),
              key.isValidSignature(signature, for: idBytes)
        else { throw .invalidSignature }
    }

    /// Whether `sig` is a valid signature of `id` by `pubkey`. Says nothing about whether `id`
    /// matches the content; use `validate()` for events from the network.
    public func hasValidSignature() -> Bool {
        guard let pubkeyBytes = Hex.decode(pubkey, lowercaseOnly: true),
              let key = try? PublicKey(bytes: pubkeyBytes),
              let signature = Hex.decode(sig, lowercaseOnly: true),
              let idBytes = Hex.decode(id, lowercaseOnly: true), idBytes.count == 32
        else { return false }
        return key.isValidSignature(signature, for: idBytes)
    }

    private static func checkHex(_ value: String, field: EventError.Field, length: Int) throws(EventError) {
        guard value.utf8.count == length else { throw .wrongLength(field: field) }
        var sawUppercase = false
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"):
                continue
            case UInt8(ascii: "A")...UInt8(ascii: "F"):
                sawUppercase = true
            default:
                throw .invalidHex(field: field)
            }
        }
        if sawUppercase { throw .uppercaseHex(field: field) }
    }
}
