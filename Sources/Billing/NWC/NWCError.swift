import Foundation

/// A failed NIP-47 exchange: the wallet said no, never answered, or answered nonsense.
///
/// Branch on `code`; `message` is for people (it includes the wallet's own message when there is
/// one) and may change. Codes are a struct over a private enum so new ones can be added.
public struct NWCError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: Hashable, Sendable {
            /// An error response; the NIP-47 code as the wallet sent it (e.g. `NOT_FOUND`).
            case wallet(String)
            case timeout
            case noInfoEvent
            case methodNotSupported
            case unsupportedEncryption
            case invalidResponse
            case publishFailed
            case invalidInvoice
            case closed
            case invalidConnection
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// No response before the request expired, although it was re-sent.
        public static let timeout = Code(.timeout)
        /// The relays hold no kind 13194 info event for the wallet, so we cannot know what it speaks.
        public static let noInfoEvent = Code(.noInfoEvent)
        /// The wallet's info event does not list the method.
        public static let methodNotSupported = Code(.methodNotSupported)
        /// The wallet and we share no encryption scheme (or the wallet said `UNSUPPORTED_ENCRYPTION`).
        public static let unsupportedEncryption = Code(.unsupportedEncryption)
        /// A response that could not be decrypted or decoded, or answers another method.
        public static let invalidResponse = Code(.invalidResponse)
        /// No relay accepted the request event.
        public static let publishFailed = Code(.publishFailed)
        /// The wallet returned an invoice that does not match what we asked for.
        public static let invalidInvoice = Code(.invalidInvoice)
        /// The wallet's relay pool has stopped.
        public static let closed = Code(.closed)
        /// The connection cannot be used (e.g. a relay URL the pool refuses).
        public static let invalidConnection = Code(.invalidConnection)

        /// An error response with this NIP-47 code. Codes the NIP names: `RATE_LIMITED`,
        /// `NOT_IMPLEMENTED`, `INSUFFICIENT_BALANCE`, `QUOTA_EXCEEDED`, `RESTRICTED`, `UNAUTHORIZED`,
        /// `INTERNAL`, `UNSUPPORTED_ENCRYPTION`, `PAYMENT_FAILED`, `NOT_FOUND`, `OTHER`.
        public static func wallet(_ nip47Code: String) -> Code { Code(.wallet(nip47Code)) }

        public static let rateLimited = wallet("RATE_LIMITED")
        public static let notImplemented = wallet("NOT_IMPLEMENTED")
        public static let notFound = wallet("NOT_FOUND")
        public static let restricted = wallet("RESTRICTED")
        public static let unauthorized = wallet("UNAUTHORIZED")
        public static let quotaExceeded = wallet("QUOTA_EXCEEDED")
        public static let insufficientBalance = wallet("INSUFFICIENT_BALANCE")
        public static let paymentFailed = wallet("PAYMENT_FAILED")
        public static let internalError = wallet("INTERNAL")
        public static let other = wallet("OTHER")

        /// The wallet's own code, for an error response.
        public var walletCode: String? {
            if case .wallet(let code) = self.wrapped { return code }
            return nil
        }

        public var description: String {
            switch self.wrapped {
            case .wallet(let code): code
            case .timeout: "timeout"
            case .noInfoEvent: "no-info-event"
            case .methodNotSupported: "method-not-supported"
            case .unsupportedEncryption: "unsupported-encryption"
            case .invalidResponse: "invalid-response"
            case .publishFailed: "publish-failed"
            case .invalidInvoice: "invalid-invoice"
            case .closed: "closed"
            case .invalidConnection: "invalid-connection"
            }
        }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Whether asking again later (a *new* request) may succeed: the wallet was busy or unreachable,
    /// as opposed to refusing for good.
    public var isTransient: Bool {
        switch self.code {
        case .timeout, .publishFailed, .noInfoEvent, .rateLimited, .internalError: true
        default: false
        }
    }

    public var description: String { "NWC \(self.code): \(self.message)" }

    /// Maps a response's `error` object. `UNSUPPORTED_ENCRYPTION` gets its own code because the
    /// client reacts to it (re-reads the info event) rather than reporting it.
    static func fromWallet(code: String, message: String, method: String) -> NWCError {
        let code = code.trimmingCharacters(in: .whitespaces)
        let nip47Code = code.isEmpty ? "OTHER" : code.uppercased()
        let text = message.isEmpty ? "(no message)" : message
        if nip47Code == "UNSUPPORTED_ENCRYPTION" {
            return NWCError(.unsupportedEncryption, "the wallet refused our encryption for \(method): \(text)")
        }
        return NWCError(.wallet(nip47Code), "the wallet refused \(method) with \(nip47Code): \(text)")
    }
}
