/// Splits a watch body into newline-terminated JSON documents. The apiserver writes one event
/// per line, but HTTP chunks do not respect line boundaries, so partial lines are carried over.
struct LineSplitter {
    private var pending: [UInt8] = []
    /// A single watch event larger than this is refused rather than buffered without end.
    let maximumLineLength: Int

    init(maximumLineLength: Int = 16 << 20) {
        self.maximumLineLength = maximumLineLength
    }

    enum Failure: Error { case lineTooLong(Int) }

    /// Appends a chunk and returns every line it completed (without the newline; empty lines dropped).
    mutating func append<Bytes: Collection>(_ chunk: Bytes) throws -> [[UInt8]] where Bytes.Element == UInt8 {
        var lines: [[UInt8]] = []
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                if !pending.isEmpty { lines.append(pending) }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count > maximumLineLength { throw Failure.lineTooLong(pending.count) }
            }
        }
        return lines
    }

    /// What is left when the stream ends; a complete JSON document without a trailing newline still counts.
    mutating func finish() -> [UInt8]? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : pending
    }
}
