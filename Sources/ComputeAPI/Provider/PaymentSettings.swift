/// The payment rails a provider accepts; at least one must be configured.
public struct PaymentSettings: Codable, Sendable, Equatable {
    public var lightning: LightningRail?
    public var cashu: CashuRail?

    public init(lightning: LightningRail? = nil, cashu: CashuRail? = nil) {
        self.lightning = lightning
        self.cashu = cashu
    }

    /// The rails a tenant may choose, in the order offers list them.
    public var rails: [PaymentRail] {
        (lightning == nil ? [] : [.lightning]) + (cashu == nil ? [] : [.cashu])
    }

    static let schema = Schema.object("The payment rails accepted; configure at least one.", [
        .optional("lightning", LightningRail.schema),
        .optional("cashu", CashuRail.schema),
    ]).memberCount(1...2)
}

/// Lightning payments: invoices are made and settled through the provider's wallet.
public struct LightningRail: Codable, Sendable, Equatable {
    public var backend: LightningBackend

    public init(backend: LightningBackend) { self.backend = backend }

    static let schema = Schema.object("Accept Lightning payments through the provider's wallet.", [
        .required("backend", .oneOf(LightningBackend.self, "The wallet connection: nwc (Nostr Wallet Connect, NIP-47; "
            + "secret key nwc-uri) or lnbits (LNbits API; secret keys lnbits-url and lnbits-invoice-key).")),
    ])
}

public enum LightningBackend: String, Codable, Sendable, CaseIterable {
    /// Nostr Wallet Connect (NIP-47); the connection URI is the Secret's `nwc-uri`.
    case nwc
    /// An LNbits wallet; the Secret holds `lnbits-url` and `lnbits-invoice-key`.
    case lnbits
}

/// Cashu ecash payments, from the listed mints only.
public struct CashuRail: Codable, Sendable, Equatable {
    public var mints: [String]
    public var unit: CashuUnit
    /// Tokens must carry DLEQ proofs (NUT-12), checked before anything is stored.
    public var requireDLEQ: Bool
    /// Escrowed tranches, when the provider takes them (draft §7.7).
    public var escrow: EscrowSettings?

    public init(mints: [String], unit: CashuUnit = ComputeDefaults.cashuUnit, requireDLEQ: Bool = true, escrow: EscrowSettings? = nil) {
        self.mints = mints
        self.unit = unit
        self.requireDLEQ = requireDLEQ
        self.escrow = escrow
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mints = try container.decode([String].self, forKey: .mints)
        unit = try container.decodeIfPresent(CashuUnit.self, forKey: .unit) ?? ComputeDefaults.cashuUnit
        requireDLEQ = try container.decodeIfPresent(Bool.self, forKey: .requireDLEQ) ?? true
        escrow = try container.decodeIfPresent(EscrowSettings.self, forKey: .escrow)
    }

    static let schema = Schema.object("Accept Cashu ecash tokens from the listed mints.", [
        .required("mints", .array(of: .string("A mint's base URL.").pattern(Patterns.httpURL).maxLength(512),
                                  "Mints whose tokens are accepted; tokens from any other mint are refused.")
            .count(1...16).listSet()),
        .optional("unit", .oneOf(CashuUnit.self, "The unit of the accepted tokens.")
            .defaulting(.string(ComputeDefaults.cashuUnit.rawValue))),
        .optional("requireDLEQ", .boolean("Refuse proofs without a DLEQ proof (NUT-12), which lets the operator check the mint's "
            + "signature before it stores anything, so forged ecash costs it nothing. Turn off only for mints without NUT-12.")
            .defaulting(.bool(true))),
        .optional("escrow", EscrowSettings.schema),
    ])
}

public enum CashuUnit: String, Codable, Sendable, CaseIterable {
    case sat
    case msat
}
