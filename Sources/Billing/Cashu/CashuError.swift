/// Why a token was not accepted or not (yet) redeemed. Every refusal says what to do in plain words,
/// because it goes back to the tenant.
public struct CashuError: Error, CustomStringConvertible {
    private enum Code {
        case configuration(String)
        case invalidToken(CashuTokenError)
        case mintNotAllowed(mint: String, allowed: [String])
        case wrongUnit(token: String, expected: String)
        case tooManyProofs(count: Int, limit: Int)
        case lockedToAnotherKey(lockKeys: [String], ours: String)
        case unsupportedLock(String)
        case invalidDLEQ(String)
        case missingDLEQ(amount: UInt64)
        case alreadySpent(byThisProvider: Bool)
        case pendingAtMint
        case inProgress(String)
        case keyset(String)
        case belowFee(amount: UInt64, fee: UInt64)
        case mint(CashuMintError)
        case outcomeUnknown(id: String, why: String)
        case vault(id: String, why: String)
    }
    private let code: Code

    static func configuration(_ why: String) -> Self { Self(code: .configuration(why)) }
    static func invalidToken(_ error: CashuTokenError) -> Self { Self(code: .invalidToken(error)) }
    static func mintNotAllowed(_ mint: String, allowed: [String]) -> Self { Self(code: .mintNotAllowed(mint: mint, allowed: allowed)) }
    static func wrongUnit(_ unit: String, expected: String) -> Self { Self(code: .wrongUnit(token: unit, expected: expected)) }
    static func tooManyProofs(_ count: Int, limit: Int) -> Self { Self(code: .tooManyProofs(count: count, limit: limit)) }
    static func lockedToAnotherKey(_ keys: [String], ours: String) -> Self { Self(code: .lockedToAnotherKey(lockKeys: keys, ours: ours)) }
    static func unsupportedLock(_ why: String) -> Self { Self(code: .unsupportedLock(why)) }
    static func invalidDLEQ(_ why: String) -> Self { Self(code: .invalidDLEQ(why)) }
    static func missingDLEQ(amount: UInt64) -> Self { Self(code: .missingDLEQ(amount: amount)) }
    static func alreadySpent(byThisProvider: Bool) -> Self { Self(code: .alreadySpent(byThisProvider: byThisProvider)) }
    static let pendingAtMint = Self(code: .pendingAtMint)
    static func inProgress(_ id: String) -> Self { Self(code: .inProgress(id)) }
    static func keyset(_ why: String) -> Self { Self(code: .keyset(why)) }
    static func belowFee(_ amount: UInt64, fee: UInt64) -> Self { Self(code: .belowFee(amount: amount, fee: fee)) }
    static func mint(_ error: CashuMintError) -> Self { Self(code: .mint(error)) }
    static func outcomeUnknown(_ id: String, why: String) -> Self { Self(code: .outcomeUnknown(id: id, why: why)) }
    static func vault(_ id: String, _ error: any Error) -> Self { Self(code: .vault(id: id, why: "\(error)")) }

    /// The mint's error code behind this error: 11001 for "already spent" (also when this
    /// provider's own records show it), the mint's code for other refusals.
    public var mintErrorCode: Int? {
        switch code {
        case .alreadySpent: return 11001
        case let .mint(error): return error.mintCode
        default: return nil
        }
    }

    public var isAlreadySpent: Bool { mintErrorCode == 11001 }

    /// The mint request behind this error, when a mint call failed.
    public var mintError: CashuMintError? {
        if case let .mint(error) = code { return error }
        return nil
    }

    /// The ecash may already be the provider's or may still become it: `recoverPending()` will
    /// settle it, so the caller must not tell the tenant the payment failed.
    public var isOutcomeUnknown: Bool {
        switch code {
        case .outcomeUnknown, .vault, .pendingAtMint, .inProgress: return true
        default: return false
        }
    }

    /// What the tenant is told: `description`, except that nothing of the mint's transport, our
    /// storage or our configuration is echoed.
    public var tenantDescription: String {
        switch code {
        case let .mint(error): return error.tenantDescription
        case .configuration: return "this provider cannot take Cashu right now; pay by Lightning"
        case .vault, .outcomeUnknown: return "the payment is being completed; it will be credited automatically"
        default: return description
        }
    }

    public var description: String {
        switch code {
        case let .configuration(why): return "Cashu is misconfigured: \(why)"
        case let .invalidToken(error): return error.description
        case let .mintNotAllowed(mint, allowed):
            return "this provider does not accept ecash from \(mint); accepted mints: \(allowed.joined(separator: ", "))"
        case let .wrongUnit(unit, expected): return "the token is in \(unit), but this provider accepts only \(expected)"
        case let .tooManyProofs(count, limit): return "the token holds \(count) proofs; at most \(limit) are accepted, so please send fewer, larger ones"
        case let .lockedToAnotherKey(keys, ours):
            return "the token is locked (P2PK) to \(keys.joined(separator: ", ")), not to this provider's Cashu key \(ours); only its owner can spend it"
        case let .unsupportedLock(why): return "the token's spending condition cannot be met by this provider: \(why)"
        case let .invalidDLEQ(why): return "the mint's signature proof (DLEQ) does not verify: \(why)"
        case let .missingDLEQ(amount):
            return "a proof of \(amount) carries no DLEQ proof (NUT-12); this provider checks the mint's signature before it stores "
                + "anything, so send tokens with their DLEQ proofs (for example `cashu send --dleq`)"
        case let .alreadySpent(byThisProvider):
            return byThisProvider
                ? "the token is already spent (code 11001): this provider redeemed it before"
                : "the token is already spent (code 11001): it was redeemed before reaching this provider"
        case .pendingAtMint: return "the mint reports the token as pending in another transaction; try again later"
        case let .inProgress(id): return "redemption \(id) of this token is already in progress"
        case let .keyset(why): return "the mint's keysets do not fit the token: \(why)"
        case let .belowFee(amount, fee): return "the token is worth \(amount), which does not cover the mint's fee of \(fee)"
        case let .mint(error): return error.description
        case let .outcomeUnknown(id, why):
            return "redemption \(id) was sent to the mint but its outcome is unknown (\(why)); it will be completed automatically"
        case let .vault(id, why):
            return "redemption \(id) could not be stored safely (\(why)); it will be completed automatically"
        }
    }
}
