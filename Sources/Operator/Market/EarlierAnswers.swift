import Synchronization

/// The requests from before this process started that the relays hold an answer of ours to.
/// After a restart, the lookback replays requests whose lease may have ended and been deleted;
/// asking the relays about each one in turn made intake wait seconds per request when a relay
/// was slow to say it had nothing. This asks once, on the first such request, and every later
/// one reads the same answer.
final class EarlierAnswers: Sendable {
    private let load = Mutex<Task<Set<String>, Never>?>(nil)

    /// Whether `requestID` was answered; `fetch` runs at most once and gives the answered ids.
    func contains(_ requestID: String, fetch: @escaping @Sendable () async -> Set<String>) async -> Bool {
        let task = load.withLock { task in
            if let task { return task }
            let started = Task { await fetch() }
            task = started
            return started
        }
        return await task.value.contains(requestID)
    }
}
