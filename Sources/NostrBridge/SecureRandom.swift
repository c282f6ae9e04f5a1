#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Key material, nonces and blinding factors come only from here (Billing's too: `package`).
package enum SecureRandom {
    /// `SystemRandomNumberGenerator` is documented as cryptographically secure on every platform
    /// (getrandom(2) on Linux, arc4random on Darwin), and it cannot fail, so neither can this.
    package static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var out = [UInt8]()
        out.reserveCapacity(count + 7)
        while out.count < count {
            var word = generator.next()
            for _ in 0..<8 {
                out.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        out.removeLast(out.count - count)
        return out
    }
}

/// Overwrites secret bytes in a way the optimizer may not drop as a dead store.
func secureZero(_ pointer: UnsafeMutableRawPointer, count: Int) {
    guard count > 0 else { return }
    #if canImport(Darwin)
    _ = memset_s(pointer, count, 0, count)
    #elseif canImport(Glibc) || canImport(Musl)
    explicit_bzero(pointer, count)
    #else
    pointer.initializeMemory(as: UInt8.self, repeating: 0, count: count)
    #endif
}

/// Best-effort wipe of a temporary array that held secret bytes.
func secureZero(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { buffer in
        if let base = buffer.baseAddress { secureZero(base, count: buffer.count) }
    }
}
