import Billing
import Foundation
import NostrBridge
import Tenant

/// How `ncn run` pays: Lightning over NWC (`--pay nwc`, the default) or nutzaps from the tenant's
/// own Cashu wallet (`--pay cashu`, see `ncn wallet`).
struct RunPayment {
    let rail: ComputeRail
    let nwc: NWCWallet?
    let cashu: CashuWallet?

    static func make(pay: String, paths: TenantPaths, nwcURI: () throws(TenantError) -> NWCConnectionURI) throws(TenantError) -> RunPayment {
        switch pay {
        case "nwc", "lightning":
            let uri = try nwcURI()
            do { return RunPayment(rail: .lightning, nwc: try NWCWallet(uri: uri), cashu: nil) } catch {
                throw TenantError(.setup, "the NWC wallet cannot be used: \(error)")
            }
        case "cashu":
            return RunPayment(rail: .cashu, nwc: nil, cashu: CashuWallet(paths: paths))
        default:
            throw TenantError(.request, "--pay \(pay): write nwc (Lightning over Nostr Wallet Connect) or cashu (nutzaps from `ncn wallet`)")
        }
    }

    /// What must run while the lease runs (the NWC wallet's relay connections).
    var services: [@Sendable () async throws -> Void] {
        guard let nwc else { return [] }
        return [{ try await nwc.run() }]
    }

    /// With `escrow`, every tranche is locked in escrow and released once served (draft §7.7).
    func runner(key: SecretKey, pool: RelayPool, escrow: CashuNutzapPayer.EscrowTerms? = nil) -> LeaseRunner {
        let payer: any InvoicePayer = nwc.map { NWCPayer(wallet: $0) } ?? NoInvoicePayer()
        var runner = LeaseRunner(key: key, pool: pool, payer: payer)
        if let cashu {
            var nutzapper = CashuNutzapPayer(wallet: cashu, key: key, pool: pool)
            nutzapper.escrow = escrow
            runner.nutzapper = nutzapper
            if escrow != nil { runner.releaser = EscrowRelease(key: key, pool: pool, wallet: cashu) }
        }
        return runner
    }
}

/// The Lightning payer of a lease paid in Cashu: a bolt11 is never paid.
struct NoInvoicePayer: InvoicePayer {
    func pay(_ bolt11: String) async throws -> String {
        throw TenantError(.payment, "this lease pays in Cashu (--pay cashu): a Lightning invoice is not paid")
    }
}
