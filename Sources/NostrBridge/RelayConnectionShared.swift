import Foundation

/// Everything `RelayConnection` keeps behind its lock, and how the state machine's actions are
/// applied to it. Applying is pure bookkeeping plus non-blocking stream yields; what must happen
/// outside the lock (resuming publishers, calling the owner, logging, the run loop's next step)
/// is returned as `Effects`.
extension RelayConnection {
    enum LoopStep: Sendable {
        case connect
        case sleep(Duration)
    }

    struct Effects {
        var resumptions: [(CheckedContinuation<PublishOutcome, Never>, PublishOutcome)] = []
        var outputs: [Output] = []
        var errors: [RelayError] = []
        var next: LoopStep?
    }

    /// A caller of `publish` waiting for its answer. The slot exists before the continuation does,
    /// so that an answer (or a timeout) arriving in between is not lost.
    enum Waiter {
        case pending
        case waiting(CheckedContinuation<PublishOutcome, Never>)
        case resolved(PublishOutcome)
    }

    struct Shared {
        var machine: RelayConnectionStateMachine
        var health: RelayHealth
        var outbound: AsyncStream<ClientMessage>.Continuation?
        var authRequests: AsyncStream<RelayAuthRequest>.Continuation?
        /// Ends the current connection from outside its tasks.
        var abort: AsyncStream<RelayError>.Continuation?
        var waiters: [String: [UInt64: Waiter]] = [:]
        var nextWaiterID: UInt64 = 0
        var everConnected = false

        init(machine: RelayConnectionStateMachine, health: RelayHealth) {
            self.machine = machine
            self.health = health
        }

        mutating func apply(_ actions: [RelayConnectionStateMachine.Action]) -> Effects {
            var effects = Effects()
            for action in actions {
                switch action {
                case .connect:
                    effects.next = .connect
                case .scheduleReconnect(let delay):
                    effects.next = .sleep(delay)
                case .send(let frames):
                    // With no connection the frames are dropped; the state machine re-sends what
                    // matters (subscriptions, unacknowledged publishes) after the next connect.
                    guard let outbound = self.outbound else { break }
                    for frame in frames {
                        guard case .dropped = outbound.yield(frame) else { continue }
                        let error = RelayError(.outboundQueueFull, "relay is not reading our frames; reconnecting")
                        self.abort?.yield(error)
                        self.outbound = nil
                        self.health.lastError = error.message
                        self.health.lastErrorAt = Date()
                        effects.errors.append(error)
                        break
                    }
                case .closeConnection:
                    self.outbound?.finish()
                    self.outbound = nil
                case .signAuth(let request):
                    self.authRequests?.yield(request)
                case .completePublish(let eventID, let outcome):
                    effects.resumptions += self.completeWaiters(eventID: eventID, outcome: outcome)
                case .deliver(let subscriptionID, let event):
                    effects.outputs.append(.event(subscriptionID: subscriptionID, event))
                case .discard:
                    self.health.droppedUnmatched += 1
                case .endOfStoredEvents(let subscriptionID):
                    effects.outputs.append(.endOfStoredEvents(subscriptionID: subscriptionID))
                case .subscriptionClosed(let subscriptionID, let message):
                    self.health.lastError = "subscription \(subscriptionID) closed by relay: \(message.raw)"
                    self.health.lastErrorAt = Date()
                    effects.outputs.append(.subscriptionClosed(subscriptionID: subscriptionID, message))
                case .reportError(let error):
                    self.health.lastError = error.message
                    self.health.lastErrorAt = Date()
                    effects.errors.append(error)
                }
            }
            return effects
        }

        mutating func registerWaiter(eventID: String) -> UInt64 {
            self.nextWaiterID += 1
            self.waiters[eventID, default: [:]][self.nextWaiterID] = .pending
            return self.nextWaiterID
        }

        /// Returns the outcome at once if it arrived before the continuation was installed.
        mutating func installWaiter(
            eventID: String,
            waiterID: UInt64,
            continuation: CheckedContinuation<PublishOutcome, Never>
        ) -> PublishOutcome? {
            switch self.waiters[eventID]?[waiterID] {
            case .resolved(let outcome):
                self.removeWaiter(eventID: eventID, waiterID: waiterID)
                return outcome
            case .pending, .waiting, .none:
                self.waiters[eventID, default: [:]][waiterID] = .waiting(continuation)
                return nil
            }
        }

        mutating func completeWaiters(
            eventID: String,
            outcome: PublishOutcome
        ) -> [(CheckedContinuation<PublishOutcome, Never>, PublishOutcome)] {
            guard let waiters = self.waiters[eventID] else { return [] }
            var resumptions: [(CheckedContinuation<PublishOutcome, Never>, PublishOutcome)] = []
            for (waiterID, waiter) in waiters {
                switch waiter {
                case .pending:
                    self.waiters[eventID]?[waiterID] = .resolved(outcome)
                case .waiting(let continuation):
                    self.removeWaiter(eventID: eventID, waiterID: waiterID)
                    resumptions.append((continuation, outcome))
                case .resolved:
                    break
                }
            }
            return resumptions
        }

        /// A publisher gives up (timeout, cancellation). The event stays queued while someone
        /// else still waits for it.
        mutating func abandonWaiter(
            eventID: String,
            waiterID: UInt64,
            outcome: PublishOutcome
        ) -> (continuation: CheckedContinuation<PublishOutcome, Never>, outcome: PublishOutcome)? {
            var resumption: (continuation: CheckedContinuation<PublishOutcome, Never>, outcome: PublishOutcome)?
            switch self.waiters[eventID]?[waiterID] {
            case .pending:
                self.waiters[eventID]?[waiterID] = .resolved(outcome)
            case .waiting(let continuation):
                self.removeWaiter(eventID: eventID, waiterID: waiterID)
                resumption = (continuation, outcome)
            case .resolved, .none:
                return nil
            }
            let othersWaiting = self.waiters[eventID]?.values.contains { waiter in
                if case .resolved = waiter { return false }
                return true
            } ?? false
            if !othersWaiting {
                self.machine.cancelPublish(eventID: eventID)
            }
            return resumption
        }

        private mutating func removeWaiter(eventID: String, waiterID: UInt64) {
            self.waiters[eventID]?[waiterID] = nil
            if self.waiters[eventID]?.isEmpty == true {
                self.waiters[eventID] = nil
            }
        }
    }
}
