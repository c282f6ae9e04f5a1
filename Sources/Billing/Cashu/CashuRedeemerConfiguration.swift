import NIOCore

/// What the provider accepts as Cashu payment.
public struct CashuRedeemerConfiguration: Sendable {
    /// Normalized mint URLs; ecash from any other mint is refused before contacting it.
    public let allowedMints: [String]
    /// `sat` or `msat`: the units with a fixed rate to millisatoshis.
    public let unit: String
    /// Refuses dust-heavy tokens that would make swaps (and the vault's records) large.
    public let maximumProofs: Int
    public let requestTimeout: TimeAmount
    /// Every proof must carry a DLEQ proof (NUT-12) that verifies against the mint's key, checked
    /// before anything is stored: forged proofs are refused without a vault write or a swap.
    /// Off only for mints that do not implement NUT-12.
    public let requireDLEQ: Bool

    public init(
        allowedMints: [String], unit: String = "sat", maximumProofs: Int = 256, requestTimeout: TimeAmount = .seconds(30),
        requireDLEQ: Bool = true
    ) throws {
        let normalized = allowedMints.map(CashuMintURL.normalize).filter { !$0.isEmpty }
        guard !normalized.isEmpty else { throw CashuError.configuration("no mint is allowed") }
        guard Self.msatsPerUnit(unit) != nil else { throw CashuError.configuration("unit \(unit) has no fixed millisatoshi rate; use sat or msat") }
        guard maximumProofs > 0 else { throw CashuError.configuration("the proof limit must be positive") }
        self.allowedMints = Array(Set(normalized)).sorted()
        self.unit = unit
        self.maximumProofs = maximumProofs
        self.requestTimeout = requestTimeout
        self.requireDLEQ = requireDLEQ
    }

    public static func msatsPerUnit(_ unit: String) -> Int64? {
        switch unit {
        case "sat": return 1000
        case "msat": return 1
        default: return nil
        }
    }
}
