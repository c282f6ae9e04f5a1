import Foundation
import NostrBridge

/// The compute on the operator's path for one refused request, stage by stage, in this process on
/// one thread, with no I/O: the same functions intake runs, over the triage step's own requests.
/// Set beside the end-to-end refusals per CPU-second, it says how much of a refusal's cost is
/// computation and how much is I/O and scheduling around it.
struct TriageStages: Sendable, Codable {
    /// Operations per second for each stage, in `TriageStages.order`.
    var perSecond: [String: Double]

    static let order: [(key: String, label: String)] = [
        ("decode", "relay frame → event (JSON)"),
        ("verify", "event id + BIP-340 signature"),
        ("parse", "kind-5900 params → request"),
        ("sign", "7000 error signed"),
        ("encode", "event → client frame (JSON)"),
        ("all", "all five, one request after another"),
    ]

    static func measure(load: MarketLoad, provider: SecretKey, samples: Int = 500, seconds: Double = 1) throws -> TriageStages {
        var refusedLoad = load
        refusedLoad.invalidEvery = 1
        let events = try (0..<samples).map { try refusedLoad.request(index: $0, to: provider.publicKey).event }
        let frames = try events.map { try RelayMessage.event(subscriptionID: "intake", event: $0).jsonString() }
        let requests: [ComputeRequest] = try events.map {
            guard case let .request(request) = try ComputeRequest.parse($0, key: provider) else { throw MarketLoadError("not a compute request") }
            return request
        }
        let refusals = try requests.map { try refusal(for: $0).sign(with: provider) }
        let verify = RelayPool.defaultVerifier
        func stage(_ operation: (Int) throws -> Void) throws -> Double {
            try PrimitivesCommand.rate(seconds, count: samples, operation)
        }
        var rates: [String: Double] = [:]
        rates["decode"] = try stage { _ = try RelayMessage(json: frames[$0]) }
        rates["verify"] = try stage { guard verify(events[$0]) else { throw MarketLoadError("invalid event") } }
        rates["parse"] = try stage { _ = try ComputeRequest.parse(events[$0], key: provider) }
        rates["sign"] = try stage { _ = try refusal(for: requests[$0]).sign(with: provider) }
        rates["encode"] = try stage { _ = try ClientMessage.event(refusals[$0]).jsonString() }
        rates["all"] = try stage { index in
            guard case let .event(_, event) = try RelayMessage(json: frames[index]), verify(event),
                case let .request(request) = try ComputeRequest.parse(event, key: provider)
            else { throw MarketLoadError("the triage path failed") }
            _ = try ClientMessage.event(try refusal(for: request).sign(with: provider)).jsonString()
        }
        return TriageStages(perSecond: rates)
    }

    /// What the operator answers a request for an image outside its allowlist.
    private static func refusal(for request: ComputeRequest) -> ComputeFeedback {
        .error(request.replyContext(relayHint: "ws://127.0.0.1:27001"), message: "image \(request.image) is not from an allowed registry",
               code: .policy)
    }

    func table(rawVerifyPerSecond: Double) -> String {
        // Padded by characters, not by printf: the labels are not ASCII.
        func left(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        var lines = [left("in-process stage (one thread, no I/O)", 40) + "     per s   µs each   vs raw verify"]
        for (key, label) in Self.order {
            let rate = perSecond[key] ?? 0
            lines.append(left(label, 40) + String(format: " %9.0f  %8.1f  %13.1f%%", rate, rate > 0 ? 1e6 / rate : 0,
                                                  rawVerifyPerSecond > 0 ? 100 * rate / rawVerifyPerSecond : 0))
        }
        return lines.joined(separator: "\n")
    }
}
