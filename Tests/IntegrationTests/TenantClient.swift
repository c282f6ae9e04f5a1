import Foundation
import NIOConcurrencyHelpers
import NostrBridge
import XCTest

/// The tenant of the end-to-end tests: testbed/interop/tenant.py, i.e. nostr-sdk (Python) as an
/// independent NIP-90 client, so the operator is checked against code that shares nothing with it.
///
/// The secret key reaches the child through `TENANT_KEY`, never argv. One-shot commands run to
/// completion off the concurrency threads; `watch` is a long-lived child, see `TenantWatch`.
struct TenantClient: Sendable {
    let python: String
    let relays: [String]
    let key: SecretKey
    var pubkey: String { key.publicKey.hex }

    static var script: String { TestBed.packageRoot.appendingPathComponent("testbed/interop/tenant.py").path }

    /// Relays default to the test bed's rust-nostr and Python relays.
    init(bed: TestBed, key: SecretKey = .generate(), relays: [String]? = nil) throws {
        python = try bed.require("NCN_PYTHON_NOSTR")
        self.relays = try relays ?? [bed.require("NCN_RELAY_SDK_URL"), bed.require("NCN_RELAY_PY_URL")]
        self.key = key
    }

    /// What `request`, `timestamp`, `publish`, `cancel` and `nutzap` print.
    struct Published: Decodable, Sendable {
        struct Relays: Decodable, Sendable {
            let ok: [String]
            let failed: [String: String]
        }
        let id: String
        let pubkey: String
        let event: NostrEvent
        let relays: Relays
    }

    struct Nutzap: Decodable, Sendable {
        let id: String
        let event: NostrEvent
        let relays: Published.Relays
        /// Sum of the proofs, in the token's unit.
        let amount: Int
        let mint: String
        let unit: String?
        /// The P2PK keys the proofs are locked to (NUT-11), empty for an unlocked token.
        let lockedTo: [String]

        enum CodingKeys: String, CodingKey {
            case id, event, relays, amount, mint, unit
            case lockedTo = "locked_to"
        }
    }

    // MARK: Commands

    /// `tenant.py request ARGUMENTS`: a kind 5900 exactly as the flags say (see `TenantRequest`
    /// for the usual ones). Secret values travel in `environment`, named by --secret-env/--cashu-env.
    func request(_ arguments: [String], environment: [String: String] = [:]) async throws -> Published {
        try await run(["request"] + arguments, environment: environment)
    }

    func request(_ spec: TenantRequest) async throws -> Published {
        try await request(spec.arguments, environment: spec.environment)
    }

    /// A timestamping-DVM kind 5900 (`["i", sha256, "text"]` only), which providers must ignore.
    func timestamping(hash: String? = nil) async throws -> Published {
        try await run(["timestamp"] + (hash.map { ["--hash", $0] } ?? []))
    }

    /// Sends an already signed event again (duplicates), or one signed elsewhere.
    func republish(_ event: NostrEvent) async throws -> Published {
        try await run(["publish"], stdin: try JSONEncoder().encode(event))
    }

    /// NIP-09 kind 5 deleting the request: `["e", id]`, `["k", "5900"]`.
    func cancel(_ requestID: String, reason: String = "") async throws -> Published {
        try await run(["cancel", "--request", requestID, "--reason", reason])
    }

    /// NIP-61 kind 9321 carrying `token`'s proofs for the lease of `request`.
    func nutzap(request: String, provider: String, token: String, comment: String = "", relayHint: String? = nil) async throws -> Nutzap {
        var arguments = ["nutzap", "--request", request, "--provider", provider, "--comment", comment]
        if let relayHint { arguments += ["--relay-hint", relayHint] }
        return try await run(arguments, environment: ["CASHU_TOKEN": token])
    }

    /// The newest live 31900 of `provider` with this `d`, or nil. `wait` retries that long;
    /// `newerThan` accepts only an offer created after that unix time.
    func offer(provider: String, d: String, wait: Duration = .zero, newerThan: Int64? = nil) async throws -> TenantOffer? {
        var arguments = ["offer", "--provider", provider, "--d", d, "--wait", String(Double(wait.components.seconds))]
        if let newerThan { arguments += ["--newer-than", String(newerThan)] }
        let result = try await runTool(arguments)
        let offer = try JSONDecoder().decode(TenantOffer.self, from: result.lastLine)
        return offer.found ? offer : nil
    }

    /// Pays a bolt11 with nostr-sdk's NIP-47 client (testbed/interop/nwc_pay.py); returns the preimage.
    func payNWC(_ bolt11: String, uri: String) async throws -> String {
        struct Paid: Decodable { let preimage: String }
        let paid: Paid = try await run(["pay-nwc", bolt11], environment: ["NWC_URI": uri])
        return paid.preimage
    }

    /// Starts `tenant.py watch` on the answers (6900, 7000) to `request` and returns once its
    /// subscription is live. `until` makes the child exit after that status; `timeout` bounds it.
    /// `kinds` narrows it, e.g. to 7000 alone for what a generic NIP-90 client follows.
    func watch(request: String, provider: String? = nil, until: [String] = [], kinds: [Int] = [],
               timeout: Duration = .seconds(600)) async throws -> TenantWatch {
        var arguments = ["watch", "--request", request, "--timeout", String(timeout.components.seconds)]
        if let provider { arguments += ["--provider", provider] }
        for status in until { arguments += ["--until", status] }
        for kind in kinds { arguments += ["--kind", String(kind)] }
        let watch = try TenantWatch(python: python, arguments: [Self.script] + arguments + relayArguments, environment: childEnvironment([:]))
        try await watch.waitUntilReady()
        return watch
    }

    // MARK: Running the tool

    private var relayArguments: [String] { relays.map { "--relay=\($0)" } }

    private func childEnvironment(_ extra: [String: String]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(extra) { $1 }.merging(["TENANT_KEY": key.exportHex()]) { $1 }
    }

    private func run<T: Decodable>(_ arguments: [String], environment: [String: String] = [:], stdin: Data? = nil) async throws -> T {
        let result = try await runTool(arguments, environment: environment, stdin: stdin)
        guard result.status == 0 else { throw TenantToolError(arguments: arguments, result: result) }
        return try JSONDecoder().decode(T.self, from: result.lastLine)
    }

    private func runTool(_ arguments: [String], environment: [String: String] = [:], stdin: Data? = nil) async throws -> TenantToolResult {
        try await runToCompletion(python, [Self.script] + arguments + relayArguments, environment: childEnvironment(environment), stdin: stdin)
    }
}

/// The usual flags of `tenant.py request`; anything else goes in `extra` (see `tenant.py request -h`).
struct TenantRequest: Sendable {
    var image = "docker.io/library/busybox:1.36"
    var cpu = "500m"
    var memory = "64Mi"
    var gpus: Int? = nil
    var gpuModel: String? = nil
    var ports: [String] = []  // "8080", "8080/tcp/http"
    var env: [String: String] = [:]
    /// Name → value; sent only inside an encrypted request, never through argv.
    var secretEnv: [String: String] = [:]
    var duration = 600
    var bidMsats: Int64 = 1_000_000
    var rail: String? = nil
    /// Serialized Cashu tokens put in `["param","cashu",…]`, through the environment.
    var cashuTokens: [String] = []
    var provider: String? = nil
    var expiresIn: Int? = nil
    var pow: Int? = nil
    var encrypt: String? = nil  // "nip44" or "nip04"
    var extra: [String] = []

    var arguments: [String] {
        var a = ["--image", image, "--cpu", cpu, "--memory", memory, "--duration", String(duration), "--bid", String(bidMsats)]
        if let gpus { a += ["--gpus", String(gpus)] }
        if let gpuModel { a += ["--gpu-model", gpuModel] }
        for port in ports { a += ["--port", port] }
        for (name, value) in env.sorted(by: { $0.key < $1.key }) { a += ["--env", "\(name)=\(value)"] }
        for (index, name) in secretEnv.keys.sorted().enumerated() { a += ["--secret-env", "\(name)=NCN_TENANT_SECRET_\(index)"] }
        if let rail { a += ["--rail", rail] }
        for index in cashuTokens.indices { a += ["--cashu-env", "NCN_TENANT_CASHU_\(index)"] }
        if let provider { a += ["--provider", provider] }
        if let expiresIn { a += ["--expires-in", String(expiresIn)] }
        if let pow { a += ["--pow", String(pow)] }
        if let encrypt { a += ["--encrypt", encrypt] }
        return a + extra
    }

    var environment: [String: String] {
        var e: [String: String] = [:]
        for (index, name) in secretEnv.keys.sorted().enumerated() { e["NCN_TENANT_SECRET_\(index)"] = secretEnv[name] }
        for (index, token) in cashuTokens.enumerated() { e["NCN_TENANT_CASHU_\(index)"] = token }
        return e
    }
}

/// A 31900 offer as `tenant.py offer` prints it.
struct TenantOffer: Decodable, Sendable {
    struct Capacity: Decodable, Sendable, Equatable {
        let free: Int64?
        let total: Int64?
    }
    struct Mint: Decodable, Sendable, Equatable {
        let url: String
        let unit: String?
    }
    let found: Bool
    let id: String?
    let createdAt: Int64?
    let d: String?
    let cpu: Capacity?
    let memory: Capacity?
    let gpus: [String: Capacity]
    let prices: [String: Int64]
    let gpuPrices: [String: Int64]
    let interval: Int64?
    let grace: Int64?
    let rails: [String]
    let mints: [Mint]
    let p2pk: String?
    let expiration: Int64?
    let tags: [[String]]
    let event: NostrEvent?

    private enum CodingKeys: String, CodingKey {
        case found, id, d, interval, grace, rails, mints, p2pk, expiration, tags, event, capacity, prices
        case createdAt = "created_at"
    }

    /// The tool nests GPU entries under "gpu" beside the plain resources; flattened here.
    private struct Resources<Value: Decodable>: Decodable {
        var plain: [String: Value] = [:]
        var gpu: [String: Value] = [:]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                if key.stringValue == "gpu" {
                    gpu = try container.decode([String: Value].self, forKey: key)
                } else {
                    plain[key.stringValue] = try container.decode(Value.self, forKey: key)
                }
            }
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        found = try c.decode(Bool.self, forKey: .found)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        createdAt = try c.decodeIfPresent(Int64.self, forKey: .createdAt)
        d = try c.decodeIfPresent(String.self, forKey: .d)
        let capacity = try c.decodeIfPresent(Resources<Capacity>.self, forKey: .capacity)
        cpu = capacity?.plain["cpu"]
        memory = capacity?.plain["memory"]
        gpus = capacity?.gpu ?? [:]
        let priced = try c.decodeIfPresent(Resources<Int64?>.self, forKey: .prices)
        prices = priced?.plain.compactMapValues { $0 } ?? [:]
        gpuPrices = priced?.gpu.compactMapValues { $0 } ?? [:]
        interval = try c.decodeIfPresent(Int64.self, forKey: .interval)
        grace = try c.decodeIfPresent(Int64.self, forKey: .grace)
        rails = try c.decodeIfPresent([String].self, forKey: .rails) ?? []
        mints = try c.decodeIfPresent([Mint].self, forKey: .mints) ?? []
        p2pk = try c.decodeIfPresent(String.self, forKey: .p2pk)
        expiration = try c.decodeIfPresent(Int64.self, forKey: .expiration)
        tags = try c.decodeIfPresent([[String]].self, forKey: .tags) ?? []
        event = try c.decodeIfPresent(NostrEvent.self, forKey: .event)
    }
}

struct TenantToolError: Error, CustomStringConvertible {
    let arguments: [String]
    let result: TenantToolResult

    var description: String {
        let message = (try? JSONSerialization.jsonObject(with: result.lastLine) as? [String: Any])?["error"] as? String
        return "tenant.py \(arguments.first ?? "") exited \(result.status): \(message ?? String(decoding: result.stdout, as: UTF8.self)) \(String(decoding: result.stderr.suffix(2000), as: UTF8.self))"
    }
}

struct TenantToolResult: Sendable {
    let status: Int32
    let stdout: Data
    let stderr: Data

    /// The tool prints one JSON object per command, last.
    var lastLine: Data {
        let lines = stdout.split(separator: UInt8(ascii: "\n")).filter { !$0.isEmpty }
        return Data(lines.last ?? Data())
    }
}

/// Runs a program to completion without blocking a concurrency thread.
private func runToCompletion(_ executable: String, _ arguments: [String], environment: [String: String], stdin: Data?) async throws -> TenantToolResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    let input = Pipe()
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    // Both pipes are drained as they fill, so a chatty child never blocks on a full pipe.
    let collected = NIOLockedValueBox((out: Data(), err: Data()))
    output.fileHandleForReading.readabilityHandler = { handle in
        let chunk = handle.availableData
        if chunk.isEmpty { handle.readabilityHandler = nil }  // end of file: stop being called
        collected.withLockedValue { $0.out.append(chunk) }
    }
    errors.fileHandleForReading.readabilityHandler = { handle in
        let chunk = handle.availableData
        if chunk.isEmpty { handle.readabilityHandler = nil }
        collected.withLockedValue { $0.err.append(chunk) }
    }
    let launchError: (any Error)? = await withCheckedContinuation { continuation in
        process.terminationHandler = { _ in continuation.resume(returning: nil) }
        do {
            try process.run()
            if let stdin {
                input.fileHandleForWriting.write(stdin)
                try? input.fileHandleForWriting.close()
            }
        } catch {
            continuation.resume(returning: error)  // no termination will follow
        }
    }
    output.fileHandleForReading.readabilityHandler = nil
    errors.fileHandleForReading.readabilityHandler = nil
    if let launchError { throw launchError }
    let restOut = output.fileHandleForReading.readDataToEndOfFile()
    let restErr = errors.fileHandleForReading.readDataToEndOfFile()
    return collected.withLockedValue { TenantToolResult(status: process.terminationStatus, stdout: $0.out + restOut, stderr: $0.err + restErr) }
}
