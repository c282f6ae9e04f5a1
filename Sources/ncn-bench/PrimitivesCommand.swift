import ArgumentParser
import Foundation
import NostrBridge

/// Measures NostrBridge's hot paths and the same operations in nostr-sdk (rust-nostr via Python),
/// in one run on one machine, and prints the ratios.
struct PrimitivesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "primitives",
        abstract: "Benchmark signature verification, event parse+verify and NIP-44 decryption against nostr-sdk.",
        discussion: """
            Build in release mode: swift run -c release ncn-bench primitives --python <venv>/bin/python
            Without --python only our own rates are printed. scripts/bench runs it with the test bed's venv.
            """)

    @Option(help: "A Python with nostr-sdk installed, for the reference measurements.")
    var python: String?

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 2.0

    @Option(help: "Distinct events (and NIP-44 payloads) cycled through.")
    var samples: Int = 2000

    func run() throws {
        guard seconds > 0, samples > 0 else { throw ValidationError("--seconds and --samples must be positive") }
        FileHandle.standardError.write(Data("preparing \(samples) signed kind-5900 events and NIP-44 payloads…\n".utf8))
        let tenant = SecretKey.generate()
        let provider = SecretKey.generate()
        let events = try (0..<samples).map { try Self.jobRequest(index: $0, tenant: tenant, provider: provider.publicKey) }
        let json = events.map { $0.jsonString() }
        // What an encrypted request carries: the params, with a secret env value.
        let messages = events.map { "[[\"param\",\"image\",\"ghcr.io/example/app:\($0.id.prefix(8))\"],[\"param\",\"env\",\"TOKEN=\($0.sig.prefix(32))\"]]" }
        let payloads = try messages.map { try NIP44.encrypt($0, secretKey: tenant, peer: provider.publicKey) }

        let ids = events.map { Hex.decode($0.id)! }
        let sigs = events.map { Hex.decode($0.sig)! }
        FileHandle.standardError.write(Data("measuring NostrBridge (\(seconds) s each)…\n".utf8))
        let ours: [String: Double] = [
            "verify": try Self.rate(seconds, count: samples) { index in
                guard tenant.publicKey.isValidSignature(sigs[index], for: ids[index]) else { throw ValidationError("verify failed") }
            },
            "parse_verify": try Self.rate(seconds, count: samples) { index in
                try NostrEvent.decode(json: json[index]).validate(now: events[index].createdAt)
            },
            "nip44_decrypt": try Self.rate(seconds, count: samples) { index in
                _ = try NIP44.decrypt(payloads[index], secretKey: provider, peer: tenant.publicKey)
            },
        ]

        var theirs: [String: Double] = [:]
        if let python {
            FileHandle.standardError.write(Data("measuring nostr-sdk (\(seconds) s each)…\n".utf8))
            theirs = try Self.reference(python: python, seconds: seconds, events: json, secret: provider, peer: tenant.publicKey, payloads: payloads)
        }

        let rows = [("verify", "BIP-340 signature verify"), ("parse_verify", "kind-5900 event parse + validate"),
                    ("nip44_decrypt", "NIP-44 v2 decrypt (incl. ECDH)")]
        func column(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        print("operation".padding(toLength: 36, withPad: " ", startingAt: 0) + column("NostrBridge/s", 14) + column("nostr-sdk/s", 14) + column("ratio", 9))
        for (key, label) in rows {
            let mine = ours[key] ?? 0
            let reference = theirs[key] ?? 0
            let ratio = reference > 0 ? String(format: "%.2fx", mine / reference) : "-"
            print(label.padding(toLength: 36, withPad: " ", startingAt: 0) + column(String(Int(mine)), 14)
                  + column(reference > 0 ? String(Int(reference)) : "-", 14) + column(ratio, 9))
        }
    }

    /// A realistic compute job request: resource params, image, ports, bid, relays, a target provider.
    static func jobRequest(index: Int, tenant: SecretKey, provider: PublicKey) throws -> NostrEvent {
        try NostrEvent.sign(
            kind: 5900,
            tags: [
                ["param", "cpu", "\(1 + index % 8)"], ["param", "memory", "\(2 << (index % 5))Gi"],
                ["param", "gpu", "\(index % 3)"], ["param", "gpu-model", "NVIDIA-H100-80GB-HBM3"],
                ["param", "image", "ghcr.io/example/inference:v\(index % 10)"], ["param", "port", "8080/tcp"],
                ["param", "duration", "3600"], ["bid", "\(100_000 + index)"],
                ["relays", "wss://relay.one.example", "wss://relay.two.example"], ["p", provider.hex],
                ["expiration", "\(1_900_000_000 + index)"],
            ],
            content: "", createdAt: 1_800_000_000 + Int64(index), with: tenant)
    }

    static func rate(_ seconds: Double, count: Int, _ operation: (Int) throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        var done = 0
        repeat {
            for index in 0..<count { try operation(index) }
            done += count
        } while clock.now < deadline
        let elapsed = clock.now - start
        return Double(done) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    static func reference(python: String, seconds: Double, events: [String], secret: SecretKey, peer: PublicKey, payloads: [String]) throws -> [String: Double] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("testbed/interop/bench_nostr_sdk.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let job: [String: Any] = ["events": events, "seconds": seconds,
                                  "nip44": ["secret": secret.exportHex(), "peer": peer.hex, "payloads": payloads]]
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: job))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let rates = try JSONSerialization.jsonObject(with: data) as? [String: Double] else {
            throw ValidationError("the nostr-sdk reference run failed (exit \(process.terminationStatus))")
        }
        return rates
    }
}
