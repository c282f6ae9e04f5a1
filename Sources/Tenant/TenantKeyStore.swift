import Foundation
import NostrBridge

/// The tenant's Nostr key: from `NCN_KEY` (nsec or hex) when set, else from the key file.
public struct TenantKeyStore: Sendable {
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case environment
        case file(String)

        public var description: String {
            switch self {
            case .environment: "NCN_KEY"
            case .file(let path): path
            }
        }
    }

    public let paths: TenantPaths
    let environment: [String: String]

    public init(paths: TenantPaths, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.paths = paths
        self.environment = environment
    }

    /// Reads an nsec or 64 hex digits.
    public static func parse(_ text: String) throws(TenantError) -> SecretKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("nsec1") {
            do { return try NIP19.decodeNsec(trimmed) } catch {
                throw TenantError(.setup, "the nsec does not decode (\(error)): copy it again, all 63 characters")
            }
        }
        do { return try SecretKey(hex: trimmed.lowercased()) } catch {
            throw TenantError(.setup, "a key is an nsec1… or 64 hex digits; this is neither")
        }
    }

    /// The key to use, or an error saying how to get one.
    public func load() throws(TenantError) -> (key: SecretKey, source: Source) {
        if let text = environment["NCN_KEY"], !text.isEmpty {
            return (try Self.parse(text), .environment)
        }
        guard let data = try PrivateFile.read(paths.keyFile) else {
            throw TenantError(.setup, "no tenant key: run `ncn key generate` (or `ncn key import`), or set NCN_KEY to an nsec")
        }
        return (try Self.parse(String(decoding: data, as: UTF8.self)), .file(paths.keyFile.path))
    }

    /// Stores `key` in the key file (mode 600). Refuses to replace one unless `overwrite`.
    public func save(_ key: SecretKey, overwrite: Bool) throws(TenantError) {
        if !overwrite, FileManager.default.fileExists(atPath: paths.keyFile.path) {
            throw TenantError(.setup, "\(paths.keyFile.path) already holds a key: pass --force to replace it (the old key is lost)")
        }
        try PrivateFile.write(Data((key.exportHex() + "\n").utf8), to: paths.keyFile)
    }
}
