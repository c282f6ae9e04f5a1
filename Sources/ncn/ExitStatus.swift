import ArgumentParser
import Tenant

/// The exit codes, documented in `ncn --help`.
enum ExitStatus: Int32, CaseIterable {
    case ok = 0
    case failure = 1
    case setup = 3
    case request = 4
    case noProvider = 5
    case payment = 6
    case leaseEnded = 7
    case relay = 8
    case usage = 64
    case interrupted = 130

    var meaning: String {
        switch self {
        case .ok: "success; for run: the lease completed as agreed"
        case .failure: "an unexpected error"
        case .setup: "no key, relays or wallet configured, or a file that cannot be used"
        case .request: "the request is malformed (fix the flags)"
        case .noProvider: "no offer fits, no bid came, or the provider refused the request"
        case .payment: "a payment failed or was refused by ncn's checks"
        case .leaseEnded: "the lease ended otherwise (terminated: unpaid, failed, provider-stopped, …)"
        case .relay: "the relays could not be reached or took nothing"
        case .usage: "wrong flags or arguments"
        case .interrupted: "interrupted (Ctrl-C): the lease was cancelled"
        }
    }

    static var table: String {
        "Exit status:\n" + allCases.map { "  \(String($0.rawValue).padding(toLength: 4, withPad: " ", startingAt: 0)) \($0.meaning)" }.joined(separator: "\n")
    }

    init(_ category: TenantError.Category) {
        switch category {
        case .setup: self = .setup
        case .request: self = .request
        case .noProvider: self = .noProvider
        case .payment: self = .payment
        case .relay: self = .relay
        }
    }

    var code: ExitCode { ExitCode(rawValue) }
}
