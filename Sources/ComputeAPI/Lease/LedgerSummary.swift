/// Totals of what a lease has been paid; billing keeps the full ledger, this is what `kubectl` shows.
public struct LedgerSummary: Codable, Sendable, Equatable {
    public var tranchesPaid: Int
    public var msatsReceived: Int64
    public var lastPaymentAt: Timestamp?

    public init(tranchesPaid: Int = 0, msatsReceived: Int64 = 0, lastPaymentAt: Timestamp? = nil) {
        self.tranchesPaid = tranchesPaid
        self.msatsReceived = msatsReceived
        self.lastPaymentAt = lastPaymentAt
    }

    static let schema = Schema.object("Totals of the payments received for this lease.", [
        .required("tranchesPaid", .integer("How many billing intervals have been paid.").minimum(0)),
        .required("msatsReceived", .integer("Everything received, in millisatoshis.").range(ComputeLimits.msats)),
        .optional("lastPaymentAt", .dateTime("When the latest payment arrived.")),
    ])
}
