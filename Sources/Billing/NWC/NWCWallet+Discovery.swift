import Foundation
import Logging
import NIOConcurrencyHelpers
import NostrBridge

/// Reading the wallet's kind 13194 info event.
extension NWCWallet {
    /// The wallet's info event (methods, encryption, notifications), read from the relays and
    /// kept for `infoMaxAge`. Throws `NWCError` `.noInfoEvent` when the relays have none.
    public func info(refresh: Bool = false) async throws -> NWCWalletInfo {
        let now = ContinuousClock.now
        if !refresh, let cached = self.state.withLockedValue({ $0.info }),
           now - cached.fetchedAt < self.configuration.infoMaxAge {
            return cached.info
        }
        let info = try await self.fetchInfo()
        self.state.withLockedValue { $0.info = CachedInfo(info: info, fetchedAt: now) }
        return info
    }

    func fetchInfo() async throws -> NWCWalletInfo {
        let stream: AsyncStream<RelaySubscriptionEvent>
        do {
            stream = try self.pool.subscribe([Filter(authors: [self.walletPublicKey.hex], kinds: [NWCKind.info])])
        } catch {
            throw NWCError(.invalidConnection, "cannot ask for the wallet's info event: \(error)")
        }
        let wallet = self.walletPublicKey.hex
        let timeout = self.configuration.infoTimeout
        let outcome: InfoOutcome = await withTaskGroup(of: InfoOutcome.self) { group in
            group.addTask {
                var newest: NostrEvent?
                for await item in stream {
                    switch item {
                    case .event(let event, _):
                        guard event.kind == NWCKind.info, event.pubkey == wallet else { continue }
                        // NIP-01 replaceable events: the newest wins, the lowest id on a tie.
                        if let current = newest,
                           current.createdAt > event.createdAt || (current.createdAt == event.createdAt && current.id < event.id) {
                            continue
                        }
                        newest = event
                    case .endOfStoredEvents:
                        return .answered(newest)
                    }
                }
                return .closed
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .timedOut
            }
            let first = await group.next() ?? .closed
            group.cancelAll()
            return first
        }
        try Task.checkCancellation()
        switch outcome {
        case .answered(let event?):
            let info = try NWCWalletInfo(event: event)
            self.logger.debug(
                "NWC wallet info",
                metadata: ["methods": "\(info.methods.sorted())", "encryption": "\(info.encryptions.map(\.rawValue).sorted())"])
            return info
        case .answered(nil):
            throw NWCError(.noInfoEvent, "the relays \(self.relays) hold no NIP-47 info event (kind 13194) of wallet \(wallet)")
        case .timedOut:
            throw NWCError(.noInfoEvent, "the relays \(self.relays) did not return wallet \(wallet)'s info event within \(timeout)\(self.notRunningHint)")
        case .closed:
            throw NWCError(.closed, "the wallet's relay pool has stopped")
        }
    }
}
