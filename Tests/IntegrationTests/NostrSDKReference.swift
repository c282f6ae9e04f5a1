import Foundation
import XCTest

/// nostr-sdk (rust-nostr's Python bindings) as an independent reference implementation,
/// driven through testbed/interop/nostr_sdk_tool.py in batches.
struct NostrSDKReference {
    let python: String

    init(bed: TestBed) throws {
        python = try bed.require("NCN_PYTHON_NOSTR")
    }

    /// Sends a batch of requests and returns one answer per request.
    func call(_ requests: [[String: Any]], file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestBed.packageRoot.appendingPathComponent("testbed/interop/nostr_sdk_tool.py").path]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: requests))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "nostr_sdk_tool.py failed", file: file, line: line)
        let answers = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]], file: file, line: line)
        XCTAssertEqual(answers.count, requests.count, file: file, line: line)
        return answers
    }
}
