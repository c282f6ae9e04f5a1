import Foundation
import Logging
import NIOConcurrencyHelpers
import NostrBridge

/// The provider's Lightning wallet reached through Nostr Wallet Connect (NIP-47).
///
/// Lifetime: the owner runs `run()` (the relay connections and the notification feed) for as
/// long as the wallet is used, e.g. as a service in the operator's ServiceGroup, and cancels it
/// to stop. Calls made while `run()` is not running wait for it, up to their own timeout.
///
/// The `LightningWallet` methods throw `LightningWalletError` (so billing treats NWC and LNbits
/// alike); the NWC-specific ones (`info`, `prepare`, `send`) throw `NWCError`. All of them may
/// also throw `CancellationError`.
public final class NWCWallet: LightningWallet {
    public let walletPublicKey: PublicKey
    public let clientPublicKey: PublicKey
    public let relays: [String]
    let clientKey: SecretKey
    let configuration: NWCWalletConfiguration
    let pool: RelayPool
    let logger: Logger
    let state = NIOLockedValueBox(State())
    /// `payment_received` hashes, to every listener of `notifications()`.
    let hints = PaymentHintFanOut()

    public init(
        uri: NWCConnectionURI, configuration: NWCWalletConfiguration = .init(),
        logger: Logger = Logger(label: "ncn.billing.nwc")
    ) throws(NWCError) {
        do {
            self.pool = try RelayPool(relays: uri.relays, configuration: configuration.relayPool, logger: logger)
        } catch {
            throw NWCError(.invalidConnection, "the wallet's relays cannot be used: \(error)")
        }
        self.walletPublicKey = uri.walletPublicKey
        self.clientPublicKey = uri.secret.publicKey
        self.relays = self.pool.relayURLs
        self.clientKey = uri.secret
        self.configuration = configuration
        self.logger = logger
    }

    // MARK: Lifetime

    /// Runs the relay connections and forwards notifications until the calling task is cancelled.
    public func run() async throws {
        let feed: AsyncStream<RelaySubscriptionEvent>
        do {
            feed = try self.pool.subscribe([
                Filter(
                    authors: [self.walletPublicKey.hex],
                    kinds: [NWCKind.notification, NWCKind.legacyNotification],
                    tags: ["p": [self.clientPublicKey.hex]],
                    since: NostrEvent.currentTimestamp())
            ])
        } catch {
            throw NWCError(.invalidConnection, "cannot subscribe to the wallet's notifications: \(error)")
        }
        self.state.withLockedValue { $0.running = true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await self.pool.run() }
            group.addTask { await self.forwardNotifications(feed) }
            await group.waitForAll()
        }
        self.state.withLockedValue { $0.running = false }
        self.hints.finish()
    }

    // MARK: LightningWallet

    public func makeInvoice(_ request: InvoiceRequest) async throws -> IssuedInvoice {
        do {
            let params = NWCMakeInvoiceParams(amount: request.amountMsats, description: request.memo, expiry: request.expirySeconds)
            let transaction = try await self.call("make_invoice", params: params, as: NWCTransaction.self)
            return try Self.issuedInvoice(from: transaction, for: request, now: Date())
        } catch let error as NWCError {
            throw error.lightningWalletError
        }
    }

    public func lookupInvoice(paymentHash: String) async throws -> InvoiceSettlement {
        let hash = paymentHash.lowercased()
        guard Self.isPaymentHash(hash) else {
            throw LightningWalletError.invalidRequest("a payment hash is 64 hex characters, not '\(paymentHash)'")
        }
        do {
            let transaction = try await self.call(
                "lookup_invoice", params: NWCLookupInvoiceParams(paymentHash: hash), as: NWCTransaction.self)
            guard transaction.paymentHash.lowercased() == hash else {
                throw NWCError(.invalidResponse, "asked about invoice \(hash), the wallet answered about \(transaction.paymentHash)")
            }
            return transaction.settlement(now: NostrEvent.currentTimestamp())
        } catch let error as NWCError {
            if error.code == .notFound { throw LightningWalletError.unknownInvoice(paymentHash: hash) }
            throw error.lightningWalletError
        }
    }

    /// The wallet's answer checked against the request, by its bolt11 (hash, amount, expiry).
    static func issuedInvoice(from transaction: NWCTransaction, for request: InvoiceRequest, now: Date) throws(NWCError) -> IssuedInvoice {
        guard let bolt11 = transaction.invoice, !bolt11.isEmpty else {
            throw NWCError(.invalidResponse, "the wallet's make_invoice result has no invoice")
        }
        let hash = transaction.paymentHash.lowercased()
        guard Self.isPaymentHash(hash) else {
            throw NWCError(.invalidResponse, "the wallet's payment hash '\(transaction.paymentHash)' is not 64 hex characters")
        }
        guard transaction.amount == request.amountMsats else {
            throw NWCError(.invalidInvoice, "the wallet invoiced \(transaction.amount) msats, \(request.amountMsats) were asked")
        }
        let expiresAt = transaction.expiresAt.map { Date(timeIntervalSince1970: TimeInterval($0)) }
            ?? now.addingTimeInterval(TimeInterval(request.expirySeconds))
        let issued = IssuedInvoice(bolt11: bolt11, paymentHash: hash, amountMsats: transaction.amount, expiresAt: expiresAt)
        do {
            return try issued.verified(for: request, now: now)
        } catch {
            throw NWCError(.invalidInvoice, error.description)
        }
    }

    static func isPaymentHash(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

// MARK: - State

extension NWCWallet {
    struct CachedInfo {
        let info: NWCWalletInfo
        let fetchedAt: ContinuousClock.Instant
    }

    struct State {
        var info: CachedInfo?
        var running = false
    }

    enum InfoOutcome: Sendable {
        case answered(NostrEvent?)
        case timedOut
        case closed
    }

    enum SendOutcome: Sendable {
        case response(NostrEvent)
        case expired
        case closed
    }

    /// Publish attempts of one `send`, for the error message when nobody answers.
    struct Attempts: Sendable {
        var sent = 0
        var accepted = 0
        var lastFailure: String?

        mutating func record(_ outcomes: [String: PublishOutcome]) {
            self.sent += 1
            if outcomes.values.contains(where: \.isSuccess) {
                self.accepted += 1
            } else {
                self.lastFailure = outcomes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            }
        }
    }
}
