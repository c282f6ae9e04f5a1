/// "[host]:port"; an empty host means every interface.
public struct ListenAddress: Equatable, Sendable {
    public let host: String
    public let port: Int

    public struct Invalid: Error, CustomStringConvertible {
        let text: String
        public var description: String { "'\(text)' is not an address like :8081 or 127.0.0.1:8081" }
    }

    public init(_ text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw Invalid(text: text)
        }
        let host = String(text[..<colon])
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
}
