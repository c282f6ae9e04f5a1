/// Why the market could not do something.
public struct MarketError: Error, CustomStringConvertible {
    private enum Code { case notPublished(String), notConnected }
    private let code: Code

    static func notPublished(_ what: String) -> Self { .init(code: .notPublished(what)) }
    static let notConnected = Self(code: .notConnected)

    public var description: String {
        switch code {
        case let .notPublished(what): return "no relay accepted the \(what) announcement"
        case .notConnected: return "not connected to the provider's relays yet"
        }
    }
}
