/// One line of a container's output in a log chunk: `["line", timestamp, text]`, with a fourth
/// value `"truncated"` when the provider cut a line too long for a chunk.
public struct ComputeLogLine: Equatable, Sendable {
    public var timestamp: ComputeLogTimestamp
    public var text: String
    public var truncated: Bool

    public init(timestamp: ComputeLogTimestamp, text: String, truncated: Bool = false) {
        self.timestamp = timestamp
        self.text = text
        self.truncated = truncated
    }

    public var tag: [String] { [ComputeTag.line, timestamp.text, text] + (truncated ? ["truncated"] : []) }

    /// Bytes the tag takes in a chunk's plaintext (JSON-escaped), plus the comma before it.
    public var encodedSize: Int { ComputeCipher.serialize([tag]).utf8.count - 1 }

    /// This line cut so that its tag takes at most `limit` bytes of plaintext, marked truncated;
    /// itself when it fits. Escaping can make a byte six, so the cut is measured, not guessed.
    public func fitting(_ limit: Int) -> ComputeLogLine {
        var line = self
        var size = line.encodedSize
        guard size > limit else { return line }
        line.truncated = true
        var scalars = Array(text.unicodeScalars)
        while size > limit, !scalars.isEmpty {
            let keep = max(0, min(scalars.count - 1, scalars.count * (limit - 64) / max(size, 1)))
            scalars.removeLast(scalars.count - keep)
            line.text = String(String.UnicodeScalarView(scalars))
            size = line.encodedSize
        }
        return line
    }
}
