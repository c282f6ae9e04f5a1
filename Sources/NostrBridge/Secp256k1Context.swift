import CSecp256k1

/// The one libsecp256k1 context of the process, for NostrBridge and Billing alike (`package`).
///
/// Context creation and randomization are the only calls that take a mutable context; both happen
/// once, inside the lazily-initialized `shared` (Swift guarantees one-time, thread-safe
/// initialization of static lets). Every later call (sign, verify, ECDH, key parsing) takes a
/// `const` context, which libsecp256k1 documents as safe to share between threads — hence the
/// `@unchecked Sendable`.
package final class Secp256k1Context: @unchecked Sendable {
    package static let shared = Secp256k1Context()

    package let pointer: OpaquePointer

    private init() {
        guard let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            // Only fails on allocation failure; there is nothing sensible to continue with.
            fatalError("secp256k1_context_create failed")
        }
        // Randomization blinds the secret-dependent scalar multiplications in signing and key
        // generation against timing and power side channels.
        var seed = SecureRandom.bytes(32)
        let randomized = secp256k1_context_randomize(context, &seed)
        secureZero(&seed)
        precondition(randomized == 1, "secp256k1_context_randomize failed")
        pointer = context
    }

    deinit {
        secp256k1_context_destroy(pointer)
    }
}
