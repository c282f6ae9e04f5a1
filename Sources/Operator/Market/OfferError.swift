import ComputeAPI

/// Why no offer could be built or none reached a relay. The description says what to fix.
public struct OfferError: Error, CustomStringConvertible, Equatable, Sendable {
    private enum Code: Equatable, Sendable {
        case noRail
        case notAccepted([String])
    }

    private let code: Code

    /// Lightning is not configured and Cashu cannot be offered: tenants would have no way to pay.
    static let noRail = OfferError(code: .noRail)
    /// No relay took the event; one line per relay with its answer.
    static func notAccepted(_ answers: [String]) -> OfferError { OfferError(code: .notAccepted(answers)) }

    public var description: String {
        switch code {
        case .noRail:
            return "the offer would name no payment rail: configure spec.payments.lightning, or spec.payments.cashu together with "
                + "the Secret's \(ComputeProvider.SecretKeys.cashuP2PKKey) key (the offer must name the key Cashu tokens are locked to)"
        case let .notAccepted(answers):
            return answers.isEmpty ? "no relay is configured to publish the offer to"
                : "no relay accepted the offer: " + answers.joined(separator: "; ")
        }
    }
}
