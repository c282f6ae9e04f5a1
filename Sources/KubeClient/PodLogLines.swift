/// One line of a pod's log as the apiserver streams it, without its newline.
public struct PodLogLine: Sendable, Equatable {
    public var bytes: [UInt8]
    /// The line was longer than the splitter keeps; the rest of it was dropped.
    public var cut: Bool
    /// The stream ended before this line's newline: with `limitBytes`, the line may go on.
    public var unterminated: Bool

    public init(bytes: [UInt8], cut: Bool = false, unterminated: Bool = false) {
        self.bytes = bytes
        self.cut = cut
        self.unterminated = unterminated
    }
}

/// Splits a log stream into lines. Unlike a watch, a container's line can be any length, so a
/// line over `maximumLineLength` is cut there, not refused: its first part is kept, marked, and
/// the rest skipped up to the newline. Memory stays bounded whatever the container writes.
public struct PodLogLines: Sendable {
    private var pending: [UInt8] = []
    private var skipping = false
    public let maximumLineLength: Int

    public init(maximumLineLength: Int = 16 * 1024) {
        self.maximumLineLength = maximumLineLength
    }

    public mutating func append<Bytes: Collection>(_ chunk: Bytes) -> [PodLogLine] where Bytes.Element == UInt8 {
        var lines: [PodLogLine] = []
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                if !skipping { lines.append(PodLogLine(bytes: pending)) }
                pending.removeAll(keepingCapacity: true)
                skipping = false
            } else if !skipping {
                pending.append(byte)
                if pending.count >= maximumLineLength {
                    lines.append(PodLogLine(bytes: pending, cut: true))
                    pending.removeAll(keepingCapacity: true)
                    skipping = true
                }
            }
        }
        return lines
    }

    /// A last line without a newline, when the stream ends.
    public mutating func finish() -> PodLogLine? {
        defer {
            pending.removeAll()
            skipping = false
        }
        return pending.isEmpty ? nil : PodLogLine(bytes: pending, unterminated: true)
    }
}
