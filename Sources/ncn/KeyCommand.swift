import ArgumentParser
import Foundation
import NostrBridge
import Tenant

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Create, import or show the tenant key (kept mode 600 in ~/.config/ncn/key).",
        discussion: """
            The key signs your requests and decrypts the provider's answers. NCN_KEY (nsec or hex), \
            when set, is used instead of the file by every command.

            Examples:
              ncn key generate
              ncn key import < my-nsec.txt
              ncn key show --json
            """,
        subcommands: [Generate.self, Import.self, Show.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a new key and store it.",
            discussion: "Examples:\n  ncn key generate\n  ncn key generate --force   # replaces the existing key, which is lost")

        @Flag(help: "Replace an existing key file.") var force = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let output = Output(json: json)
            do {
                let store = TenantKeyStore(paths: TenantPaths())
                let key = SecretKey.generate()
                try store.save(key, overwrite: force)
                output.say("generated \(key.publicKey.npub)\nstored in \(store.paths.keyFile.path) (mode 600); back it up",
                           ["npub": key.publicKey.npub, "pubkey": key.publicKey.hex, "file": store.paths.keyFile.path])
            } catch { throw output.fail(error).code }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store an existing key, read from stdin (nsec or hex), never from argv.",
            discussion: "Examples:\n  ncn key import < my-nsec.txt\n  pass show nostr/nsec | ncn key import --force")

        @Flag(help: "Replace an existing key file.") var force = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let output = Output(json: json)
            do {
                let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw TenantError(.setup, "no key on stdin: pipe it in, e.g. ncn key import < my-nsec.txt")
                }
                let key = try TenantKeyStore.parse(text)
                let store = TenantKeyStore(paths: TenantPaths())
                try store.save(key, overwrite: force)
                output.say("imported \(key.publicKey.npub) into \(store.paths.keyFile.path)",
                           ["npub": key.publicKey.npub, "pubkey": key.publicKey.hex, "file": store.paths.keyFile.path])
            } catch { throw output.fail(error).code }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the public key in use and where it comes from (never the secret).",
            discussion: "Examples:\n  ncn key show\n  NCN_KEY=nsec1… ncn key show --json")

        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let output = Output(json: json)
            do {
                let (key, source) = try TenantKeyStore(paths: TenantPaths()).load()
                output.say("\(key.publicKey.npub)\nhex \(key.publicKey.hex)\nfrom \(source)",
                           ["npub": key.publicKey.npub, "pubkey": key.publicKey.hex, "source": source.description])
            } catch { throw output.fail(error).code }
        }
    }
}
