/// What a lease has been invoiced and paid, kept in its status so that every credit is a
/// conditional write (resourceVersion) on the same object that holds `paidUntil`: a payment can
/// be seen twice, by two replicas or after a restart, but it is credited once.
public struct LedgerSummary: Codable, Sendable, Equatable {
    public var tranchesPaid: Int
    public var msatsReceived: Int64
    public var lastPaymentAt: Timestamp?
    /// Received but not yet turned into paid time: what is left of a Cashu payment that was not a
    /// whole number of tranches.
    public var balanceMsats: Int64?
    /// Where payments stand.
    public var state: LedgerState?
    /// The most recent invoices, newest last; older settled or expired ones are dropped.
    public var invoices: [LedgerInvoice]?
    /// The most recent credits, newest last; their ids are the exactly-once keys.
    public var credits: [LedgerCredit]?
    /// Escrowed payments (draft §7.7), newest last; locked ones are credited but not yet earned.
    public var escrow: [LedgerEscrow]?
    /// The sum of the locked ones: received, running, not yet the provider's.
    public var escrowedMsats: Int64?

    public init(
        tranchesPaid: Int = 0, msatsReceived: Int64 = 0, lastPaymentAt: Timestamp? = nil, balanceMsats: Int64? = nil,
        state: LedgerState? = nil, invoices: [LedgerInvoice]? = nil, credits: [LedgerCredit]? = nil,
        escrow: [LedgerEscrow]? = nil, escrowedMsats: Int64? = nil
    ) {
        self.escrow = escrow
        self.escrowedMsats = escrowedMsats
        self.tranchesPaid = tranchesPaid
        self.msatsReceived = msatsReceived
        self.lastPaymentAt = lastPaymentAt
        self.balanceMsats = balanceMsats
        self.state = state
        self.invoices = invoices
        self.credits = credits
    }

    /// How many invoices and credits the status keeps; enough to cover every tranche still open.
    public static let keptInvoices = 12
    public static let keptCredits = 32
    /// Escrowed payments kept: every locked one (at most 16 by the provider's settings) and the newest released.
    public static let keptEscrow = 32

    static let schema = Schema.object("What this lease has been invoiced and paid; each credit is applied exactly once.", [
        .required("tranchesPaid", .integer("How many billing intervals have been paid.").minimum(0)),
        .required("msatsReceived", .integer("Everything received, in millisatoshis.").range(ComputeLimits.msats)),
        .optional("lastPaymentAt", .dateTime("When the latest payment arrived.")),
        .optional("balanceMsats", .integer("Received but not yet a whole tranche, in millisatoshis.").range(ComputeLimits.msats)),
        .optional("state", .oneOf(LedgerState.self, "Where payments stand: AwaitingFirstPayment, Funded, InvoiceDue, Grace or Unpaid.")),
        .optional("invoices", .array(of: LedgerInvoice.schema, "The most recent Lightning invoices, newest last.")
            .maxItems(keptInvoices).listMap(keys: ["paymentHash"])),
        .optional("credits", .array(of: LedgerCredit.schema, "The most recent credits, newest last.")
            .maxItems(keptCredits).listMap(keys: ["id"])),
        .optional("escrow", .array(of: LedgerEscrow.schema, "Escrowed payments, newest last.")
            .maxItems(keptEscrow).listMap(keys: ["id"])),
        .optional("escrowedMsats", .integer("Escrowed and locked: received, not yet earned, in millisatoshis.").range(ComputeLimits.msats)),
    ]).objectAtomic()
}

/// One Lightning invoice issued for one tranche.
public struct LedgerInvoice: Codable, Sendable, Equatable {
    /// 0 is the first tranche.
    public var tranche: Int
    public var paymentHash: String
    public var bolt11: String
    public var amountMsats: Int64
    public var issuedAt: Timestamp
    public var expiresAt: Timestamp
    public var state: LedgerInvoiceState

    public init(tranche: Int, paymentHash: String, bolt11: String, amountMsats: Int64, issuedAt: Timestamp, expiresAt: Timestamp,
                state: LedgerInvoiceState = .open) {
        self.tranche = tranche
        self.paymentHash = paymentHash
        self.bolt11 = bolt11
        self.amountMsats = amountMsats
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.state = state
    }

    static let schema = Schema.object("A Lightning invoice issued for one tranche.", [
        .required("tranche", .integer("Which tranche it pays; 0 is the first.").minimum(0)),
        .required("paymentHash", .string("The invoice's payment hash, 64 lowercase hex characters.").pattern(Patterns.hex64)),
        .required("bolt11", .string("The invoice as the tenant pays it.").length(1...4_096)),
        .required("amountMsats", .integer("Its amount, in millisatoshis.").range(ComputeLimits.msats)),
        .required("issuedAt", .dateTime("When it was issued.")),
        .required("expiresAt", .dateTime("When it stops being payable.")),
        .required("state", .oneOf(LedgerInvoiceState.self, "Open (payable), Paid (credited) or Expired.")),
    ])
}

public enum LedgerInvoiceState: String, Codable, Sendable, CaseIterable {
    case open = "Open"
    case paid = "Paid"
    case expired = "Expired"
}

/// One payment credited to the lease.
public struct LedgerCredit: Codable, Sendable, Equatable {
    /// The exactly-once key: `ln:<payment hash>` or `cashu:<sha256 of the sorted proof Ys>`.
    public var id: String
    public var rail: PaymentRail
    public var msats: Int64
    public var at: Timestamp

    public init(id: String, rail: PaymentRail, msats: Int64, at: Timestamp) {
        self.id = id
        self.rail = rail
        self.msats = msats
        self.at = at
    }

    static let schema = Schema.object("A payment credited to this lease.", [
        .required("id", .string("The payment's unique key: ln:<payment hash> or cashu:<hash of the proofs' Y values>.")
            .pattern(#"^(ln|cashu):[0-9a-f]{64}$"#)),
        .required("rail", .oneOf(PaymentRail.self, "How it was paid.")),
        .required("msats", .integer("How much, in millisatoshis.").range(ComputeLimits.msats)),
        .required("at", .dateTime("When it was credited.")),
    ])
}
