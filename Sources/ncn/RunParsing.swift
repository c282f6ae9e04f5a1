import Foundation
import NostrBridge
import Tenant

/// Parsing of run's flag values.
enum RunParsing {
    /// "90", "90s", "10m", "2h", "1d" → seconds; `flag` names the option in the error.
    static func duration(_ text: String, flag: String = "--duration") throws(TenantError) -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text)
        var unit = 1
        if let last = text.last, let value = units[last] {
            digits = digits.dropLast()
            unit = value
        }
        guard let number = Int(digits), number > 0, number <= 31_536_000 / unit else {
            throw TenantError(.request, "\(flag) \(text) is not a duration: write seconds or e.g. 90s, 10m, 2h, 1d (at most a year)")
        }
        return number * unit
    }

    /// "8080", "8080/udp", "8080/tcp/http".
    static func port(_ text: String) throws(TenantError) -> ComputePort {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), let number = Int(parts[0]), (1...65535).contains(number) else {
            throw TenantError(.request, "--port \(text): write PORT[/PROTOCOL[/NAME]], e.g. 8080 or 8080/tcp/http")
        }
        var proto = ComputePortProtocol.tcp
        if parts.count >= 2 {
            guard let value = ComputePortProtocol(rawValue: parts[1]) else { throw TenantError(.request, "--port \(text): the protocol is tcp or udp") }
            proto = value
        }
        return ComputePort(port: number, protocol: proto, name: parts.count == 3 ? parts[2] : nil)
    }

    /// "NAME=value".
    static func env(_ text: String) throws(TenantError) -> ComputeEnvVar {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw TenantError(.request, "--env \(text): write NAME=value")
        }
        return ComputeEnvVar(name: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }
}
