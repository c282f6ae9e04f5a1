import Foundation

/// A point-in-time snapshot of one relay connection, for metrics and status pages.
public struct RelayHealth: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// `run()` has not started yet.
        case idle
        case connecting
        case connected
        /// Waiting before the next connection attempt.
        case backingOff = "backing-off"
        /// `run()` has ended; nothing will happen any more.
        case closed
    }

    public var url: String
    public var state: State
    /// When the current connection was established; `nil` unless connected.
    public var connectedSince: Date?
    /// Successful connections after the first one.
    public var reconnects: Int
    /// Consecutive failed attempts (a connection shorter than `RelayBackoff.stableAfter` counts as failed).
    public var consecutiveFailures: Int
    /// `EVENT` messages received, valid or not.
    public var eventsReceived: Int
    /// Events that failed verification (forged, bad id); never delivered.
    public var droppedInvalid: Int
    /// Events for a subscription we do not have, or that do not match its filters; never delivered.
    public var droppedUnmatched: Int
    /// Frames that were not valid NIP-01 (or of a type we do not support).
    public var malformedMessages: Int
    public var lastError: String?
    public var lastErrorAt: Date?
    /// NIP-42: whether the current connection is authenticated.
    public var authenticated: Bool
    public var pendingPublishes: Int
    public var subscriptions: Int

    public init(url: String) {
        self.url = url
        self.state = .idle
        self.connectedSince = nil
        self.reconnects = 0
        self.consecutiveFailures = 0
        self.eventsReceived = 0
        self.droppedInvalid = 0
        self.droppedUnmatched = 0
        self.malformedMessages = 0
        self.lastError = nil
        self.lastErrorAt = nil
        self.authenticated = false
        self.pendingPublishes = 0
        self.subscriptions = 0
    }
}
