/// A tenant-side failure, with what to do next. `category` decides the CLI's exit code.
public struct TenantError: Error, Sendable, CustomStringConvertible {
    public enum Category: Sendable {
        /// No key, relays or wallet, or a file that cannot be read or written.
        case setup
        /// The request itself is malformed (it would be refused by every provider).
        case request
        /// No offer fits, no provider answered, or the provider refused.
        case noProvider
        /// A payment could not be made, or was refused by the checks.
        case payment
        /// Relays could not be reached or did not take an event.
        case relay
    }

    public let category: Category
    public let message: String

    public init(_ category: Category, _ message: String) {
        self.category = category
        self.message = message
    }

    public var description: String { message }
}
