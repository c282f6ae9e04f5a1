import Foundation
import NostrBridge

/// A provider under test: its Nostr key and, to sample CPU and memory, its process.
struct MarketTarget: Sendable {
    var label: String
    var pubkey: PublicKey
    var pid: Int32?

    /// `LABEL=PUBKEY[:PID]`, the key in hex or npub.
    init(argument: String) throws {
        let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else { throw MarketLoadError("--target \(argument): write LABEL=PUBKEY[:PID]") }
        label = parts[0]
        let keyAndPid = parts[1].split(separator: ":").map(String.init)
        guard let key = keyAndPid.first, let pubkey = (try? PublicKey(hex: key)) ?? (try? NIP19.decodeNpub(key)) else {
            throw MarketLoadError("--target \(argument): \(keyAndPid.first ?? "") is not a public key in hex or npub")
        }
        self.pubkey = pubkey
        if keyAndPid.count > 1 {
            guard let pid = Int32(keyAndPid[1]), kill(pid, 0) == 0 else {
                throw MarketLoadError("--target \(argument): no process \(keyAndPid[1]) to sample")
            }
            self.pid = pid
        }
    }
}

struct MarketLoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The requests a step publishes: each from a fresh tenant key (so per-tenant limits never
/// apply), addressed to the provider in the clear (a peer need not speak NIP-44), and every
/// `invalidEvery`-th one for an image the provider must refuse.
struct MarketLoad: Sendable {
    var count: Int
    var stepSeconds: Double
    var settle: Double
    var lateAfter: Double
    var invalidEvery: Int
    var image: String
    var refusedImage: String
    var cpu: String
    var memory: String
    var durationSeconds: Int
    var bidMsats: Int64

    struct Request: Sendable {
        var event: NostrEvent
        var mustRefuse: Bool
    }

    /// How many requests a step at `rate` sends.
    func requestCount(rate: Double) -> Int { max(1, min(count, Int((rate * stepSeconds).rounded()))) }

    func mustRefuse(index: Int) -> Bool { invalidEvery > 0 && index % invalidEvery == invalidEvery - 1 }

    func request(index: Int, to provider: PublicKey) throws -> Request {
        let mustRefuse = mustRefuse(index: index)
        let tags: [[String]] = [
            ["param", "image", mustRefuse ? refusedImage : image], ["param", "cpu", cpu], ["param", "memory", memory],
            ["param", "duration", String(durationSeconds)], ["param", "rail", "lightning"],
            ["bid", String(bidMsats)], ["p", provider.hex],
        ]
        let event = try EventBuilder(kind: 5900, content: "", tags: tags).sign(with: SecretKey.generate())
        return Request(event: event, mustRefuse: mustRefuse)
    }
}
