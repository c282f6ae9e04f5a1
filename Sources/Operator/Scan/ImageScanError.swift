/// Why an image could not be scanned (not a denial: the scan did not happen).
public struct ImageScanError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable {
        case badReference(String)
        case registry(String, String)
        case scanner(String)
    }

    private let code: Code

    static func badReference(_ image: String) -> Self { .init(code: .badReference(image)) }
    static func registry(_ image: String, _ why: String) -> Self { .init(code: .registry(image, why)) }
    static func scanner(_ why: String) -> Self { .init(code: .scanner(why)) }

    /// Trying again cannot help: the lease's image reference is not one a registry serves.
    public var isPermanent: Bool { if case .badReference = code { true } else { false } }

    public var description: String {
        switch code {
        case let .badReference(image): return "\(image) is not an image reference a registry serves"
        case let .registry(image, why): return "cannot look up the digest of \(image): \(why)"
        case let .scanner(why): return "the image scanner did not answer: \(why)"
        }
    }
}
