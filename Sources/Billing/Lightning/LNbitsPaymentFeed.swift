import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import WSClient

/// LNbits' push of a wallet's payments: the WebSocket `/api/v1/ws/<invoice key>`, on which LNbits
/// sends `{"wallet_balance": …, "payment": {…, "payment_hash": …}}` as each payment of the wallet
/// settles. With it billing looks at an invoice the moment it is paid instead of at its next
/// poll; the poll goes on as the fallback for anything the push misses (a reconnect, an LNbits
/// without it).
///
/// The invoice key is part of the URL, so the URL is never logged or put in an error.
public final class LNbitsPaymentFeed: PaymentHintSource {
    /// Holds the invoice key: never logged.
    let url: String
    private let logger: Logger
    private let hints = PaymentHintFanOut()

    /// Pushes larger than this are not LNbits' payment messages and are skipped.
    static let maxMessageBytes = 64 * 1024

    public init(baseURL: String, invoiceKey: String, logger: Logger = Logger(label: "ncn.billing.lnbits")) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasPrefix("https://") {
            base = "wss://" + base.dropFirst("https://".count)
        } else if base.hasPrefix("http://") {
            base = "ws://" + base.dropFirst("http://".count)
        }
        let key = invoiceKey.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? invoiceKey
        url = base + "/api/v1/ws/" + key
        self.logger = logger
    }

    public func notifications() -> AsyncStream<String> { hints.subscribe() }

    /// Stays connected, reconnecting after 1 s and up to 30 s apart while LNbits is away.
    public func run() async throws {
        defer { hints.finish() }
        var backoff: Duration = .seconds(1)
        /// Whether the push was reported unavailable, so that only changes are logged.
        let reported = NIOLockedValueBox(false)
        while !Task.isCancelled {
            let started = ContinuousClock.now
            do {
                var configuration = WebSocketClientConfiguration(maxFrameSize: Self.maxMessageBytes)
                configuration.ignoreUncleanSSLShutdownErrors = true
                try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, _, _ in
                    if reported.withLockedValue({ was in defer { was = false }; return was }) {
                        self.logger.info("LNbits' payment push is back")
                    }
                    for try await message in inbound.messages(maxSize: Self.maxMessageBytes) {
                        guard case let .text(text) = message, let hash = Self.paymentHash(in: text) else { continue }
                        self.logger.debug("LNbits pushed a payment", metadata: ["payment_hash": "\(hash)"])
                        self.hints.yield(hash)
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                if !reported.withLockedValue({ was in defer { was = true }; return was }) {
                    // The error's text may hold the URL, and with it the key: only its type is told.
                    logger.warning("LNbits' payment push is unavailable; invoices are polled meanwhile",
                                   metadata: ["error": "\(type(of: error))"])
                }
            }
            if ContinuousClock.now - started > .seconds(30) { backoff = .seconds(1) }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(30))
        }
    }

    /// The payment hash in one of LNbits' pushes; nil for anything else.
    static func paymentHash(in text: String) -> String? {
        struct Push: Decodable {
            struct Payment: Decodable {
                var paymentHash: String
                enum CodingKeys: String, CodingKey { case paymentHash = "payment_hash" }
            }
            var payment: Payment
        }
        guard let push = try? JSONDecoder().decode(Push.self, from: Data(text.utf8)) else { return nil }
        let hash = push.payment.paymentHash.lowercased()
        guard hash.utf8.count == 64, hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        return hash
    }
}
