/// The chain a BOLT #11 invoice is payable on, from its prefix (`ln` + the BIP-173 currency prefix).
public enum Bolt11Network: String, Sendable, Equatable, CaseIterable {
    case bitcoin = "bc"
    case testnet = "tb"
    case signet = "tbs"
    case regtest = "bcrt"
}

/// The human-readable part of an invoice: network and amount.
struct Bolt11Prefix: Equatable {
    var network: Bolt11Network
    var amountMsats: Int64?

    /// Millisatoshis per unit of the amount, by multiplier; `p` (pico-bitcoin) is a tenth of a
    /// millisatoshi, so it divides instead.
    private static let msatsPerBitcoin: Int64 = 100_000_000_000

    /// Parses `ln<currency><amount?>` where the hrp is already lower case.
    static func parse(_ hrp: String) throws(Bolt11Error) -> Bolt11Prefix {
        guard hrp.hasPrefix("ln") else { throw .unknownPrefix(hrp) }
        let rest = hrp.dropFirst(2)
        // Longest currency first: "bcrt" begins with "bc" and "tbs" with "tb"; amounts begin with
        // a digit, so the longest match is never a misread.
        let candidates = Bolt11Network.allCases.sorted { $0.rawValue.count > $1.rawValue.count }
        guard let network = candidates.first(where: { rest.hasPrefix($0.rawValue) }) else {
            throw .unknownPrefix(hrp)
        }
        let amount = rest.dropFirst(network.rawValue.count)
        if amount.isEmpty { return Bolt11Prefix(network: network, amountMsats: nil) }
        return Bolt11Prefix(network: network, amountMsats: try parseAmount(String(amount)))
    }

    private static func parseAmount(_ text: String) throws(Bolt11Error) -> Int64 {
        var digits = Substring(text)
        var multiplier: Character?
        if let last = digits.last, !("0"..."9").contains(last) {
            multiplier = last
            digits = digits.dropLast()
        }
        guard !digits.isEmpty else { throw .invalidAmount("\"\(text)\" has a multiplier but no number") }
        guard digits.allSatisfy({ ("0"..."9").contains($0) }) else {
            throw .invalidAmount("\"\(text)\" is not a number followed by an optional m, u, n or p")
        }
        guard digits.first != "0" else { throw .invalidAmount("\"\(text)\" is zero or has a leading zero") }
        // 19 digits can exceed Int64; longer ones certainly do.
        guard digits.count <= 19, let value = Int64(digits) else {
            throw .invalidAmount("\"\(text)\" is too large")
        }
        let perUnit: Int64
        switch multiplier {
        case nil: perUnit = msatsPerBitcoin
        case "m": perUnit = msatsPerBitcoin / 1_000
        case "u": perUnit = msatsPerBitcoin / 1_000_000
        case "n": perUnit = msatsPerBitcoin / 1_000_000_000
        case "p":
            guard value % 10 == 0 else {
                throw .invalidAmount("\"\(text)\" is not a whole number of millisatoshis (pico amounts must end in 0)")
            }
            return value / 10
        case let other?:
            throw .invalidAmount("\"\(other)\" is not a multiplier (m, u, n or p)")
        }
        let (msats, overflow) = value.multipliedReportingOverflow(by: perUnit)
        guard !overflow else { throw .invalidAmount("\"\(text)\" is too large") }
        return msats
    }
}
