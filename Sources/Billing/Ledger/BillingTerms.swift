/// The payment terms of one lease, in whole seconds as the lease spec states them.
public struct BillingTerms: Sendable, Equatable {
    /// Length of one tranche (the seed's default: 10 minutes).
    public var intervalSeconds: Int
    /// How long after paid-until the workload may keep running while a late payment arrives.
    public var graceSeconds: Int
    /// How long before paid-until the next tranche's invoice goes out.
    public var invoiceLeadSeconds: Int
    public var pricePerIntervalMsats: Int64

    public init(intervalSeconds: Int = 600, graceSeconds: Int = 60, invoiceLeadSeconds: Int = 120, pricePerIntervalMsats: Int64) throws(BillingError) {
        guard intervalSeconds > 0 else { throw .invalidTerms("the interval must be positive") }
        guard graceSeconds >= 0 else { throw .invalidTerms("the grace period cannot be negative") }
        guard invoiceLeadSeconds >= 0, invoiceLeadSeconds < intervalSeconds else {
            throw .invalidTerms("the invoice lead time must be at least 0 and shorter than the interval")
        }
        guard pricePerIntervalMsats > 0 else { throw .invalidTerms("the price per interval must be positive") }
        self.intervalSeconds = intervalSeconds
        self.graceSeconds = graceSeconds
        self.invoiceLeadSeconds = invoiceLeadSeconds
        self.pricePerIntervalMsats = pricePerIntervalMsats
    }
}

/// Why billing refused something.
public struct BillingError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable { case invalidTerms(String) }
    private let code: Code

    public static func invalidTerms(_ why: String) -> Self { .init(code: .invalidTerms(why)) }

    public var description: String {
        switch code {
        case let .invalidTerms(why): return "invalid billing terms: \(why)"
        }
    }
}
