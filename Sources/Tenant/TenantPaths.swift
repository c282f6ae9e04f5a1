import Foundation

/// Where ncn keeps its files: `$XDG_CONFIG_HOME/ncn`, by default `~/.config/ncn`.
public struct TenantPaths: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            directory = URL(fileURLWithPath: xdg).appendingPathComponent("ncn")
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            directory = URL(fileURLWithPath: home).appendingPathComponent(".config/ncn")
        }
    }

    /// The tenant's secret key, hex, mode 600.
    public var keyFile: URL { directory.appendingPathComponent("key") }
    /// Settings: `{"relays": ["wss://…"]}`.
    public var configFile: URL { directory.appendingPathComponent("config.json") }
}
