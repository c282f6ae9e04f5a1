/// Who may see the dashboard. It shows tenants, images and earnings, so off the loopback
/// interface it takes a token: from `Authorization: Bearer`, from its cookie, or once from
/// `/?token=` (which sets the cookie and redirects, so the token leaves the address bar).
public struct DashboardAccess: Sendable {
    public static let cookieName = "ncn_dashboard"

    /// Nil: anyone who reaches the address (allowed on loopback only).
    let token: String?

    public enum Decision: Equatable, Sendable {
        case allow
        /// A correct `?token=` on the page: set the cookie, then show `/`.
        case rememberAndRedirect
        case deny
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// A token fit for a cookie and long enough not to be guessed.
    public init(token: String?) throws {
        if let token {
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
            guard token.count >= 16, token.allSatisfy(allowed.contains) else {
                throw Invalid(description: "the dashboard token must be at least 16 characters of letters, digits, '-', '.', '_' or '~' "
                    + "(for example: openssl rand -hex 24)")
            }
        }
        self.token = token
    }

    /// Whether a dashboard on `address` may run with no token: only where the machine alone reaches it.
    public static func isLoopback(_ address: ListenAddress) -> Bool {
        ["127.0.0.1", "::1", "[::1]", "localhost"].contains(address.host)
    }

    public func decide(isPage: Bool, authorization: String?, cookie: String?, queryToken: String?) -> Decision {
        guard let token else { return .allow }
        if let authorization, authorization.hasPrefix("Bearer "), Self.same(String(authorization.dropFirst(7)), token) { return .allow }
        if let cookie, Self.same(cookie, token) { return .allow }
        if isPage, let queryToken, Self.same(queryToken, token) { return .rememberAndRedirect }
        return .deny
    }

    /// Compares in time that depends on the lengths only.
    static func same(_ given: String, _ token: String) -> Bool {
        let a = Array(given.utf8), b = Array(token.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
