/// Strict UTF-8 decoding: `nil` for ill-formed input instead of U+FFFD substitution, so that
/// decrypted or decoded text is either exactly what was sent or refused.
///
/// (`String(validating:as:)` does this too but needs macOS 15, above the package's floor.)
func strictUTF8String<Bytes: Collection>(_ bytes: Bytes) -> String? where Bytes.Element == UInt8 {
    let decoded = String(decoding: bytes, as: UTF8.self)
    // Repair only ever replaces bytes, so equal byte sequences mean nothing was repaired.
    return decoded.utf8.elementsEqual(bytes) ? decoded : nil
}
