/// Why amounts could not be read from an object. The apiserver validates quantities, so this
/// means a malformed object got in some other way; the inventory then distrusts the node.
public struct InventoryError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case invalidQuantity(resource: String, value: String, context: String)
    }

    private let code: Code

    public static func invalidQuantity(resource: String, value: String, context: String) -> Self {
        .init(code: .invalidQuantity(resource: resource, value: value, context: context))
    }

    public var description: String {
        switch code {
        case let .invalidQuantity(resource, value, context):
            return "\(context): '\(value)' is not a valid quantity for \(resource)"
        }
    }
}
