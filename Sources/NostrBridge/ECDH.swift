import CSecp256k1

extension SecretKey {
    /// The x coordinate of `self · P`, where P is the even-y point with x = `publicKey`.
    ///
    /// NIP-04 and NIP-44 both build on this raw, unhashed coordinate, so libsecp256k1's default
    /// (sha256 of the compressed point) would be wrong here; a custom hash callback copies x out.
    /// The result is secret: wipe or drop it promptly.
    public func sharedSecretX(with publicKey: PublicKey) throws(KeyError) -> [UInt8] {
        let context = Secp256k1Context.shared.pointer
        // x-only keys stand for the even-y point (BIP-340), which is the 0x02 compressed encoding.
        var point = secp256k1_pubkey()
        let compressed = [0x02] + publicKey.bytes
        guard secp256k1_ec_pubkey_parse(context, &point, compressed, compressed.count) == 1 else {
            throw .invalidPublicKey
        }
        var shared = [UInt8](repeating: 0, count: 32)
        let agreed = secp256k1_ecdh(context, &shared, &point, storage.secret, { output, x32, _, _ in
            guard let output, let x32 else { return 0 }
            output.update(from: x32, count: 32)
            return 1
        }, nil)
        guard agreed == 1 else {
            secureZero(&shared)
            throw .keyAgreementFailed
        }
        return shared
    }
}
