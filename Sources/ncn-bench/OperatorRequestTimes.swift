import AsyncHTTPClient
import Foundation
import NIOCore

/// The apiserver's answer times as the operator saw them, from its `/metrics`
/// (`ncn_kube_request_duration_seconds`): read before and after a step, the difference says how
/// many requests of each kind the step cost and how long each took on average.
struct OperatorRequestTimes: Sendable {
    /// "VERB resource" → (count, seconds in all).
    var totals: [String: (count: Double, seconds: Double)] = [:]

    static func read(_ url: String) async throws -> OperatorRequestTimes {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        var times = OperatorRequestTimes()
        for line in text.split(separator: "\n") {
            let isSum = line.hasPrefix("ncn_kube_request_duration_seconds_sum{")
            guard isSum || line.hasPrefix("ncn_kube_request_duration_seconds_count{"),
                  let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}"),
                  let value = Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)) else { continue }
            let labels = Self.labels(String(line[line.index(after: open)..<close]))
            let key = "\(labels["verb"] ?? "?") \(labels["resource"] ?? "?")"
            var entry = times.totals[key] ?? (0, 0)
            if isSum { entry.seconds = value } else { entry.count = value }
            times.totals[key] = entry
        }
        return times
    }

    private static func labels(_ text: String) -> [String: String] {
        var labels: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            labels[String(parts[0])] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return labels
    }

    /// What happened between `earlier` and this reading, busiest first.
    func since(_ earlier: OperatorRequestTimes) -> [(request: String, count: Int, meanMilliseconds: Double)] {
        totals.compactMap { key, now in
            let before = earlier.totals[key] ?? (0, 0)
            let count = now.count - before.count
            guard count > 0 else { return nil }
            return (key, Int(count), (now.seconds - before.seconds) / count * 1000)
        }.sorted { $0.count * Int($0.meanMilliseconds * 1000) > $1.count * Int($1.meanMilliseconds * 1000) }
    }
}
