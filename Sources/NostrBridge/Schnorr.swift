import CSecp256k1

extension SecretKey {
    /// A BIP-340 signature of `message` (Nostr signs the 32-byte event id; BIP-340 allows any length).
    ///
    /// - Parameter auxiliaryRandomness: 32 bytes mixed into the nonce. `nil` draws fresh bytes
    ///   from the CSPRNG, which BIP-340 recommends as protection against fault and side-channel
    ///   attacks; pass explicit bytes only to reproduce test vectors.
    public func sign(_ message: [UInt8], auxiliaryRandomness: [UInt8]? = nil) throws(KeyError) -> [UInt8] {
        var aux = auxiliaryRandomness ?? SecureRandom.bytes(32)
        guard aux.count == 32 else { throw .invalidAuxiliaryRandomness }
        var signature = [UInt8](repeating: 0, count: 64)
        let context = Secp256k1Context.shared.pointer
        let keypair = storage.keypair
        let signed = aux.withUnsafeMutableBytes { auxBuffer in
            // Mirrors SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT, which Swift cannot import; a nil nonce
            // function selects the BIP-340 one.
            var params = secp256k1_schnorrsig_extraparams(
                magic: (0xda, 0x6f, 0xb3, 0x8c), noncefp: nil, ndata: auxBuffer.baseAddress)
            return message.withUnsafeBufferPointer { messageBuffer in
                secp256k1_schnorrsig_sign_custom(
                    context, &signature, messageBuffer.baseAddress, messageBuffer.count, keypair, &params)
            }
        }
        guard signed == 1 else { throw .signingFailed }
        return signature
    }
}

extension PublicKey {
    /// Whether `signature` is a valid BIP-340 signature of `message` by this key.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 64, var parsed = Self.parse(bytes) else { return false }
        return message.withUnsafeBufferPointer { messageBuffer in
            secp256k1_schnorrsig_verify(
                Secp256k1Context.shared.pointer, signature, messageBuffer.baseAddress, messageBuffer.count, &parsed) == 1
        }
    }
}
