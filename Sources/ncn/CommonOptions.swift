import ArgumentParser
import Foundation
import Logging
import NostrBridge
import Tenant

/// Flags every networked command takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "A relay URL (repeatable). Default: NCN_RELAYS, then \"relays\" in config.json.")
    var relay: [String] = []

    @Flag(name: .long, help: "Print JSON (one object per line) instead of text, for scripts.")
    var json = false

    var output: Output { Output(json: json) }
    var environment: [String: String] { ProcessInfo.processInfo.environment }
    var paths: TenantPaths { TenantPaths(environment: environment) }

    func key() throws(TenantError) -> SecretKey {
        try TenantKeyStore(paths: paths, environment: environment).load().key
    }

    func relays() throws(TenantError) -> [String] {
        try TenantConfig.relays(flags: relay, environment: environment, config: try TenantConfig.load(paths))
    }

    func pool() throws(TenantError) -> RelayPool {
        Logs.setUp()
        do { return try RelayPool(relays: try relays()) } catch let error as TenantError { throw error } catch {
            throw TenantError(.setup, "cannot use these relays: \(error)")
        }
    }
}

/// Library logs go to stderr, errors only unless NCN_LOG_LEVEL says otherwise (e.g. debug).
enum Logs {
    private static let once: Void = {
        let level = ProcessInfo.processInfo.environment["NCN_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }()

    static func setUp() { _ = once }
}

/// Parses a provider given as npub or hex.
func parseProvider(_ text: String) throws(TenantError) -> PublicKey {
    if text.hasPrefix("npub1") {
        do { return try NIP19.decodeNpub(text) } catch { throw TenantError(.request, "\(text) is not a valid npub: \(error)") }
    }
    do { return try PublicKey(hex: text.lowercased()) } catch {
        throw TenantError(.request, "--provider takes an npub, 64 hex digits or auto; \(text) is none of them")
    }
}
