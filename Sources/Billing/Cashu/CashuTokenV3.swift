import Foundation

/// `cashuA`: base64url over JSON (NUT-00 V3). Deprecated, but wallets still send it.
extension CashuToken {
    private struct V3: Codable {
        struct Entry: Codable {
            var mint: String
            var proofs: [CashuProof]
        }
        var token: [Entry]
        var unit: String?
        var memo: String?
    }

    static func decodeV3(_ bytes: [UInt8]) throws(CashuTokenError) -> CashuToken {
        let v3: V3
        do {
            v3 = try JSONDecoder().decode(V3.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw .json(Self.describe(error))
        } catch {
            throw .json("\(error)")
        }
        guard let first = v3.token.first else { throw .empty }
        let mints = Set(v3.token.map { CashuMintURL.normalize($0.mint) })
        guard mints.count == 1 else { throw .multipleMints }
        return CashuToken(mint: first.mint, unit: v3.unit, memo: v3.memo, proofs: v3.token.flatMap(\.proofs))
    }

    /// The `cashuA…` form of this token (for tests and tools; the provider only receives).
    public func encodedV3() -> String {
        let v3 = V3(token: [.init(mint: mint, proofs: proofs)], unit: unit, memo: memo)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and integers cannot fail.
        let json = (try? encoder.encode(v3)) ?? Data()
        return "cashuA" + CashuBase64URL.encode(Array(json))
    }

    /// Only the path and kind of a decoding error: the message must not echo secrets.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context): return "missing \(key.stringValue) at \(path(context))"
        case let .typeMismatch(_, context): return "wrong type at \(path(context))"
        case let .valueNotFound(_, context): return "null at \(path(context))"
        case let .dataCorrupted(context): return context.codingPath.isEmpty ? "not JSON" : "bad value at \(path(context))"
        @unknown default: return "undecodable"
        }
    }
}
