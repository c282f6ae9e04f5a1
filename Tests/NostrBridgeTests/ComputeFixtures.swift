import Crypto
import Foundation
import NostrBridge

/// Keys, times and events shared by the compute codec tests and the draft's examples. The keys
/// are derived from public strings: they are published in docs/nip-compute.md so that anyone
/// can decrypt the encrypted examples, and must never hold anything of value.
enum ComputeFixtures {
    static func key(_ label: String) -> SecretKey {
        try! SecretKey(bytes: Array(SHA256.hash(data: Data(label.utf8))))
    }

    static let tenant = key("nip-compute example tenant")
    static let provider = key("nip-compute example provider")
    static let other = key("nip-compute example other provider")
    /// The provider's Cashu P2PK key (not its Nostr key, as NIP-61 requires).
    static let p2pkKey = key("nip-compute example cashu p2pk")
    static var p2pk: String { "02" + p2pkKey.publicKey.hex }

    /// 2026-01-01T00:00:00Z.
    static let t0: Int64 = 1_767_225_600

    static let relays = ["wss://relay.damus.io", "wss://nos.lol"]
    static let gpuModel = "NVIDIA-H100-80GB-HBM3"
    static let mint = "https://mint.minibits.cash/Bitcoin"
    static let bolt11First = "lnbc3530n1p5xq9yhpp5qh7k3m0x4aj6n2c8f9hd0v7w4z3y2x1s0r9q8p7n6m5l4k3j2h1gsdqqcqzzsxqyz5vqsp5u3d8s0l2k9j7h5g3f1d9s8a7p6o5i4u3y2t1r0e9w8q7z6x5c4v3b2nq9qyyssqk8f6g4d2s0a9j7h5g3f1d9s8a7p6o5i4u3y2t1r0e9w8q7z6x5c4v3b2n1m0l9k8j7h6g5f4d3s2a1q0p9o8i7u6y5t4r3e2w1qcqxyz"
    static let bolt11Second = "lnbc3530n1p5xq9ywpp5l2k3j4h5g6f7d8s9a0q1w2e3r4t5y6u7i8o9p0z1x2c3v4b5n6m7qsdqqcqzzsxqyz5vqsp5k9j8h7g6f5d4s3a2p1o0i9u8y7t6r5e4w3q2z1x0c9v8b7n6m5l4q9qyyssqz1x2c3v4b5n6m7l8k9j0h1g2f3d4s5a6p7o8i9u0y1t2r3e4w5q6z7x8c9v0b1n2m3l4k5j6h7g8f9d0s1a2qcqxyz"
    static let cashuToken = "cashuBo2FteCJodHRwczovL21pbnQubWluaWJpdHMuY2FzaC9CaXRjb2luYXVjc2F0YXSBomFpSABnZzX7h2PwYXCDpGFhGQQAYXN4QDdmNGU5ZjE4ZDBjNjRiMmE5ZTNkOGM3YjZhNWY0ZTNkMmMxYjBhOWY4ZTdkNmM1YjRhM2YyZTFkMGM5YjhhN2FjWCEC"

    // MARK: request tags

    /// The plain GPU request of the draft's first example.
    static let gpuRequestTags: [[String]] = [
        ["param", "image", "ghcr.io/example/llm-server:1.4.2"],
        ["param", "cpu", "4"],
        ["param", "memory", "16Gi"],
        ["param", "gpus", "1"],
        ["param", "gpu-model", gpuModel],
        ["param", "disk", "50Gi"],
        ["param", "args", "--port", "8080", "--model", "/models/llama-3-8b"],
        ["param", "env", "LOG_LEVEL", "info"],
        ["param", "port", "8080", "tcp", "http"],
        ["param", "port", "2222", "tcp", "ssh"],
        ["param", "duration", "3600"],
        ["param", "rail", "lightning"],
        ["bid", "2500000"],
        ["relays"] + relays,
        ["p", provider.publicKey.hex],
        ["expiration", String(t0 + 3600)],
    ]

    /// The sealed part of the NIP-44 Cashu request.
    static let cashuRequestHidden: [[String]] = [
        ["param", "image", "docker.io/library/postgres:16"],
        ["param", "cpu", "500m"],
        ["param", "memory", "1Gi"],
        ["param", "env", "POSTGRES_DB", "app"],
        ["param", "secret-env", "POSTGRES_PASSWORD", "correct horse battery staple"],
        ["param", "port", "5432", "tcp", "postgres"],
        ["param", "duration", "7200"],
        ["param", "rail", "cashu"],
        ["param", "cashu", cashuToken],
        ["bid", "200000"],
        ["relays", "wss://relay.damus.io"],
    ]

    static let batchRequestHidden: [[String]] = [
        ["param", "image", "ghcr.io/example/batch:2"],
        ["param", "cpu", "2"],
        ["param", "memory", "4Gi"],
        ["param", "command", "/bin/sh", "-c", "make test"],
        ["param", "duration", "1200"],
        ["bid", "300000"],
    ]

    static func sign(_ kind: Int, _ tags: [[String]], content: String = "", by key: SecretKey, at time: Int64) -> NostrEvent {
        try! EventBuilder(kind: kind, content: content, tags: tags, createdAt: time).sign(with: key)
    }

    /// A request sealed to `provider` with `scheme`, carrying `publicTags` outside.
    static func encryptedRequest(_ hidden: [[String]], scheme: ComputeEncryption, publicTags: [[String]] = [], at time: Int64 = t0) -> NostrEvent {
        let plaintext = String(data: try! JSONEncoder().encode(hidden), encoding: .utf8)!
        let content: String
        switch scheme {
        case .nip44: content = try! NIP44.encrypt(plaintext, secretKey: tenant, peer: provider.publicKey)
        case .nip04: content = try! NIP04.encrypt(plaintext, secretKey: tenant, peer: provider.publicKey)
        }
        return sign(ComputeKinds.request, [["p", provider.publicKey.hex], ["encrypted"]] + publicTags, content: content, by: tenant, at: time)
    }

    static func plainRequest(_ tags: [[String]], at time: Int64 = t0) -> NostrEvent {
        sign(ComputeKinds.request, tags, by: tenant, at: time)
    }

    /// The minimal valid tags, for error tests to vary one at a time.
    static let minimalTags: [[String]] = [
        ["param", "image", "ghcr.io/example/app:1"], ["param", "cpu", "1"], ["param", "memory", "1Gi"], ["param", "duration", "600"], ["bid", "100000"],
    ]

    static func replacing(_ key: String, with tag: [String]?) -> [[String]] {
        var tags = minimalTags.filter { !($0.first == "param" && $0[1] == key) && !(key == "bid" && $0.first == "bid") }
        if let tag { tags.append(tag) }
        return tags
    }
}
