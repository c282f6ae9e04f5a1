@testable import KubeClient
import XCTest

/// The pod log request's query, and the splitting of its body into bounded lines.
final class PodLogTests: XCTestCase {
    func testTheQueryNamesWhatTheApiserverExpects() {
        var options = PodLogOptions(container: "main", follow: true, timestamps: true, sinceTime: 1_767_225_605, tailLines: 10, limitBytes: 1 << 20)
        XCTAssertEqual(options.query.map { "\($0.0)=\($0.1)" },
                       ["container=main", "follow=true", "timestamps=true", "sinceTime=2026-01-01T00:00:05Z", "tailLines=10", "limitBytes=1048576"])
        options.sinceTime = nil
        options.sinceSeconds = 0
        options.follow = false
        XCTAssertEqual(options.query.map { "\($0.0)=\($0.1)" }, ["container=main", "timestamps=true", "sinceSeconds=1", "tailLines=10", "limitBytes=1048576"],
                       "sinceSeconds must be positive")
        XCTAssertEqual(PodLogOptions(timestamps: false).query.count, 0)
    }

    func testLinesAreSplitAcrossChunksAndCutWhenTooLong() {
        var splitter = PodLogLines(maximumLineLength: 8)
        XCTAssertEqual(splitter.append(Array("ab".utf8)), [])
        XCTAssertEqual(splitter.append(Array("c\nde\n\n".utf8)), [PodLogLine(bytes: Array("abc".utf8)), PodLogLine(bytes: Array("de".utf8)),
                                                                   PodLogLine(bytes: [])], "an empty line is a line the container wrote")
        XCTAssertEqual(splitter.append(Array("0123456789abcdef\nok".utf8)), [PodLogLine(bytes: Array("01234567".utf8), cut: true)],
                       "the rest of a long line is skipped up to its newline")
        XCTAssertEqual(splitter.append(Array("!\n".utf8)), [PodLogLine(bytes: Array("ok!".utf8))])
        XCTAssertEqual(splitter.append(Array("tail".utf8)), [])
        XCTAssertEqual(splitter.finish(), PodLogLine(bytes: Array("tail".utf8), unterminated: true), "the stream ended inside a line")
        XCTAssertNil(splitter.finish())
    }

    func testMemoryStaysBoundedWhateverTheContainerWrites() {
        var splitter = PodLogLines(maximumLineLength: 1024)
        var lines: [PodLogLine] = []
        for _ in 0..<1000 { lines += splitter.append([UInt8](repeating: 65, count: 4096)) }
        XCTAssertEqual(lines.count, 1, "one cut line for 4 MB without a newline")
        XCTAssertNil(splitter.finish(), "nothing pending while skipping")
    }
}
