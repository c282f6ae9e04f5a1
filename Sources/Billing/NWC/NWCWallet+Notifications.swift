import Foundation
import Logging
import NIOConcurrencyHelpers
import NostrBridge

/// `payment_received` notifications (kinds 23197 and 23196), fanned out to listeners.
extension NWCWallet: PaymentHintSource {
    /// Payment hashes (64 lowercase hex) of `payment_received` notifications, from now on, until
    /// `run()` ends. A hint to look an invoice up sooner, never proof of payment: notifications
    /// are not stored by relays and can be missed, and only `lookupInvoice` is authoritative.
    public func notifications() -> AsyncStream<String> { self.hints.subscribe() }

    func forwardNotifications(_ feed: AsyncStream<RelaySubscriptionEvent>) async {
        for await item in feed {
            guard case .event(let event, _) = item, let hash = self.paymentReceivedHash(event) else { continue }
            self.logger.debug("payment_received notification", metadata: ["payment_hash": "\(hash)"])
            self.hints.yield(hash)
        }
    }

    func paymentReceivedHash(_ event: NostrEvent) -> String? {
        guard event.pubkey == self.walletPublicKey.hex else { return nil }
        let encryption: NWCEncryption = event.kind == NWCKind.legacyNotification ? .nip04 : .nip44v2
        guard let plaintext = try? encryption.decrypt(event.content, secretKey: self.clientKey, peer: self.walletPublicKey),
              let notification = try? NWCJSON.decoder.decode(NWCNotification.self, from: Data(plaintext.utf8)),
              notification.notificationType == "payment_received",
              let hash = notification.notification?.paymentHash.lowercased(), Self.isPaymentHash(hash)
        else {
            self.logger.debug("ignored an unreadable or foreign NWC notification", metadata: ["event": "\(event.id)"])
            return nil
        }
        return hash
    }
}
