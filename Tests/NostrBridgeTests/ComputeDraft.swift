import Foundation

/// docs/nip-compute.md, read by the tests so that the draft and the codec cannot drift apart.
enum ComputeDraft {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // NostrBridgeTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("docs/nip-compute.md")
}
