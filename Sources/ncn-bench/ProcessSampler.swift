import Foundation

/// CPU time and resident memory of one process, read from /proc (Linux): what a provider pays
/// in machine for the load a step offers.
struct ProcessUsage: Sendable, Codable {
    /// CPU seconds used during the step per wall second (1.0 is one core busy).
    var cpuCores: Double
    /// The largest resident set seen while sampling, in bytes.
    var maxRSSBytes: Int64
}

final class ProcessSampler: Sendable {
    let pid: Int32
    private let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    init(pid: Int32) { self.pid = pid }

    /// utime + stime in seconds; nil once the process is gone.
    func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // The command name may hold spaces and parentheses: fields are counted after its last ')'.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }

    func rssBytes() -> Int64? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let number = line.dropFirst("VmRSS:".count).trimmingCharacters(in: .whitespaces).split(separator: " ").first
            return number.flatMap { Int64($0) }.map { $0 * 1024 }
        }
        return nil
    }

    /// Samples while `body` runs: CPU over the whole of it, RSS every 200 ms.
    func measure<T: Sendable>(_ body: () async throws -> T) async rethrows -> (T, ProcessUsage?) {
        let clock = ContinuousClock()
        let start = clock.now
        guard let cpuBefore = cpuSeconds() else { return (try await body(), nil) }
        let peak = Task { [self] in
            var peak = rssBytes() ?? 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                peak = max(peak, rssBytes() ?? 0)
            }
            return peak
        }
        let result = try await body()
        peak.cancel()
        let maxRSS = await peak.value
        guard let cpuAfter = cpuSeconds() else { return (result, nil) }
        let wall = (clock.now - start).seconds
        return (result, ProcessUsage(cpuCores: wall > 0 ? (cpuAfter - cpuBefore) / wall : 0, maxRSSBytes: maxRSS))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}
