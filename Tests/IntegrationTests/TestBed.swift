import Foundation
import XCTest

/// The running test bed (`scripts/testbed up`), as described by its env file.
/// Integration tests need it; without it they skip locally and fail in CI.
struct TestBed {
    let values: [String: String]

    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var envFilePath: String {
        ProcessInfo.processInfo.environment["NCN_TESTBED_ENV"]
            ?? packageRoot.appendingPathComponent(".testbed/env").path
    }

    static func load(file: StaticString = #filePath, line: UInt = #line) throws -> TestBed {
        let path = envFilePath
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            let why = "the test bed is not up (no \(path)); run scripts/testbed up"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail(why, file: file, line: line)
                throw XCTSkip(why)  // stops the test after recording the failure
            }
            throw XCTSkip(why)
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return TestBed(values: values)
    }

    /// Skips for a missing part of the test bed, except under CI=true, where a skipped test
    /// would hide that CI did not test it: there it fails.
    static func missing(_ why: String, file: StaticString = #filePath, line: UInt = #line) -> XCTSkip {
        if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail(why, file: file, line: line) }
        return XCTSkip(why)
    }

    func require(_ key: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let value = values[key], !value.isEmpty else {
            XCTFail("the test bed env file lacks \(key)", file: file, line: line)
            throw XCTSkip("missing \(key)")
        }
        return value
    }
}

extension TestBed {
    /// Runs `scripts/testbed ARGS` (e.g. to stop and start one component) and fails on a non-zero exit.
    func testbed(_ arguments: String..., file: StaticString = #filePath, line: UInt = #line) throws {
        let process = Process()
        process.executableURL = TestBed.packageRoot.appendingPathComponent("scripts/testbed")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NCN_TESTBED_DIR"] = values["NCN_TESTBED_DIR"]
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "scripts/testbed \(arguments.joined(separator: " ")) failed", file: file, line: line)
    }

    /// Runs a command and returns its standard output.
    func run(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "TestBed", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(executable) \(arguments) exited \(process.terminationStatus)"])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Polls `probe` until it yields a value or `timeout` passes; on timeout the test fails.
/// The one waiting helper of the integration tests: real peers answer when they answer.
func eventually<T>(
    _ what: String, timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(200),
    file: StaticString = #filePath, line: UInt = #line, _ probe: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = try await probe() { return value }
        try await Task.sleep(for: interval)
    }
    XCTFail("timed out waiting for \(what)", file: file, line: line)
    throw CancellationError()
}
