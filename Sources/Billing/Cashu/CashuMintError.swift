import Foundation

/// A mint request that failed: the mint's own refusal (`{"detail", "code"}`, NUT-00), an HTTP
/// failure without that body, a response we could not read, or no answer at all.
public struct CashuMintError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case refused(status: Int, code: Int?, detail: String)
        case transport(String)
        case malformed(String)
    }
    private let code: Code
    public let endpoint: String

    static func refused(_ endpoint: String, status: Int, code: Int?, detail: String) -> Self {
        Self(code: .refused(status: status, code: code, detail: detail), endpoint: endpoint)
    }
    static func transport(_ endpoint: String, _ why: String) -> Self { Self(code: .transport(why), endpoint: endpoint) }
    static func malformed(_ endpoint: String, _ why: String) -> Self { Self(code: .malformed(why), endpoint: endpoint) }

    /// The mint's error code (e.g. 11001 already spent, 11000 bad P2PK witness), when it sent one.
    public var mintCode: Int? {
        if case let .refused(_, code, _) = code { return code }
        return nil
    }

    /// The mint answered and said no: nothing happened, so the same request will not succeed
    /// later either. Transport failures and 5xx leave the outcome unknown.
    public var isRefusal: Bool {
        if case let .refused(status, code, _) = code { return code != nil && (400..<500).contains(status) }
        return false
    }

    public var isAlreadySpent: Bool { mintCode == 11001 }

    /// What a tenant is told: the mint's own refusal (its words, trimmed and without control
    /// characters), never our transport errors or addresses.
    public var tenantDescription: String {
        switch code {
        case let .refused(status, code, detail):
            let words = String(String.UnicodeScalarView(detail.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }).prefix(200))
            return "the mint refused it (HTTP \(status)\(code.map { ", code \($0)" } ?? "")): \(words)"
        case .transport: return "the mint did not answer; try again in a minute"
        case .malformed: return "the mint's answer could not be read; try again later"
        }
    }

    public var description: String {
        switch code {
        case let .refused(status, code, detail):
            return "the mint refused \(endpoint) (HTTP \(status)\(code.map { ", code \($0)" } ?? "")): \(detail)"
        case let .transport(why): return "no answer from the mint for \(endpoint): \(why)"
        case let .malformed(why): return "the mint's answer to \(endpoint) is unreadable: \(why)"
        }
    }
}
