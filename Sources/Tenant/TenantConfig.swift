import Foundation

/// The config file, `config.json`: settings that are not secret.
public struct TenantConfig: Codable, Sendable, Equatable {
    public var relays: [String]?

    public init(relays: [String]? = nil) { self.relays = relays }

    public static func load(_ paths: TenantPaths) throws(TenantError) -> TenantConfig {
        guard let data = FileManager.default.contents(atPath: paths.configFile.path) else { return TenantConfig() }
        do { return try JSONDecoder().decode(TenantConfig.self, from: data) } catch {
            throw TenantError(.setup, "\(paths.configFile.path) is not valid JSON like {\"relays\": [\"wss://relay.example\"]}: \(error)")
        }
    }

    /// Relays from the flags, else `NCN_RELAYS` (comma- or space-separated), else the config file.
    public static func relays(flags: [String], environment: [String: String], config: TenantConfig) throws(TenantError) -> [String] {
        var relays = flags
        if relays.isEmpty, let text = environment["NCN_RELAYS"] {
            relays = text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        }
        if relays.isEmpty { relays = config.relays ?? [] }
        guard !relays.isEmpty else {
            throw TenantError(.setup, "no relays: pass --relay wss://…, set NCN_RELAYS, or add \"relays\" to the config file")
        }
        for relay in relays where !(relay.hasPrefix("ws://") || relay.hasPrefix("wss://")) {
            throw TenantError(.setup, "relay \(relay) is not a ws:// or wss:// URL")
        }
        return relays
    }
}
