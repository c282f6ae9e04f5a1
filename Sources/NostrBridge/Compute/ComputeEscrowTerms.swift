/// A provider's escrow terms (§7.7): its offer's `["escrow", window, fee-ppm]` and one
/// `["arbitrator", pubkey]` per arbitrator it accepts.
public struct ComputeEscrowTerms: Sendable, Hashable {
    /// Seconds after a tranche's paid-until in which it is released, disputed or decided.
    public var disputeWindowSeconds: Int
    /// Millionths of the price added to each escrowed tranche.
    public var feePPM: Int
    /// Hex pubkeys, lower case.
    public var arbitrators: [String]

    public init(disputeWindowSeconds: Int, feePPM: Int = 0, arbitrators: [String]) {
        self.disputeWindowSeconds = disputeWindowSeconds
        self.feePPM = feePPM
        self.arbitrators = arbitrators
    }

    /// What one escrowed tranche of `price` msats costs: the price and the fee, in whole sats (§7.1).
    public func trancheMsats(price: Int64) -> Int64 {
        let fee = (price.multipliedReportingOverflow(by: Int64(feePPM)).partialValue + 999_999) / 1_000_000
        let total = price + fee
        return (total + 999) / 1000 * 1000
    }

    var tags: [[String]] {
        [[ComputeTag.escrow, String(disputeWindowSeconds), String(feePPM)]] + arbitrators.map { [ComputeTag.arbitrator, $0] }
    }

    /// nil when the tags carry no escrow terms; arbitrator tags that are not keys are skipped.
    init?(reader: ComputeTagReader) throws(ComputeEventError) {
        guard let tag = reader.first(ComputeTag.escrow) else { return nil }
        guard tag.count >= 3, let window = ComputeTagValues.int(tag[1]), window > 0, let fee = ComputeTagValues.int(tag[2]), fee >= 0, fee <= 1_000_000 else {
            throw .invalidTag(ComputeTag.escrow, "expected [\"escrow\", dispute-window seconds, fee-ppm] with whole numbers, the fee at most 1000000")
        }
        let arbitrators = reader.all(ComputeTag.arbitrator).map { $0[1] }.filter { (try? PublicKey(hex: $0)) != nil && $0 == $0.lowercased() }
        guard !arbitrators.isEmpty else { throw .missingTag(ComputeTag.arbitrator, in: reader.kind) }
        self.init(disputeWindowSeconds: window, feePPM: fee, arbitrators: arbitrators)
    }
}
