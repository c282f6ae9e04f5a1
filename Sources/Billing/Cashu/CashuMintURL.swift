import Foundation

/// Mint URLs compared the way people write them: `HTTPS://Mint.Example:443/` and
/// `https://mint.example` are the same mint. Paths are kept (a mint can live under one).
public enum CashuMintURL {
    public static func normalize(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard var components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(), let host = components.host else {
            return String(trimmed.reversed().drop { $0 == "/" }.reversed())
        }
        components.scheme = scheme
        components.host = host.lowercased()
        if (scheme == "https" && components.port == 443) || (scheme == "http" && components.port == 80) {
            components.port = nil
        }
        while components.path.hasSuffix("/") { components.path.removeLast() }
        components.query = nil
        components.fragment = nil
        return components.string ?? trimmed
    }
}
