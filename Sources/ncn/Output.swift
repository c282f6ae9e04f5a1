import Foundation
import Tenant

/// Human lines on stdout by default; with --json, one JSON object per line. Errors go to stderr.
struct Output: Sendable {
    let json: Bool

    func say(_ human: @autoclosure () -> String, _ object: @autoclosure () -> [String: Any]) {
        if json {
            let data = (try? JSONSerialization.data(withJSONObject: object(), options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data((human() + "\n").utf8))
        }
    }

    /// Prints the error (and what to do) on stderr and returns the exit status it maps to.
    func fail(_ error: any Error) -> ExitStatus {
        let status: ExitStatus
        let message: String
        if let error = error as? TenantError {
            status = ExitStatus(error.category)
            message = error.message
        } else {
            status = .failure
            message = "\(error)"
        }
        if json {
            say("", ["event": "error", "error": message, "exit": Int(status.rawValue)])
        }
        FileHandle.standardError.write(Data("ncn: \(message)\n".utf8))
        return status
    }
}

enum Format {
    /// "21 sat" for whole sats, else "21500 msat".
    static func msats(_ value: Int64) -> String {
        value % 1000 == 0 ? "\(value / 1000) sat" : "\(value) msat"
    }

    static func time(_ unix: Int64?) -> String {
        guard let unix else { return "?" }
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unix)))
    }

    static func short(_ hex: String) -> String { hex.count > 16 ? "\(hex.prefix(8))…\(hex.suffix(4))" : hex }
}
