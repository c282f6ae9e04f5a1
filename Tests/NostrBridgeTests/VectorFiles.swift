import Foundation
import NostrBridge
import XCTest

/// Locates the shared official vectors at `<package root>/../shared/vectors/`.
///
/// They are public data kept outside the repository. A developer checkout without them skips the
/// vector tests; CI (`CI=true`) must have them, so there a missing file fails the test instead.
enum VectorFiles {
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "official test vectors missing at \(path) (required when CI=true)" }
    }

    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // NostrBridgeTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("..", isDirectory: true)
        .appendingPathComponent("shared", isDirectory: true)
        .appendingPathComponent("vectors", isDirectory: true)
        .standardizedFileURL

    static func load(_ name: String) throws -> Data {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                throw Missing(path: url.path)
            }
            throw XCTSkip("official test vectors not found at \(url.path)")
        }
        return try Data(contentsOf: url)
    }
}

func hexBytes(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
    try XCTUnwrap(Hex.decode(text), "not hex: \(text)", file: file, line: line)
}

