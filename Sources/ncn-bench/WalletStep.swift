import Billing
import Foundation

/// The wallet's own pace: LNbits invoices created at the step's rate through the operator's
/// wallet client, with nothing else on the path. A payment-required can come no sooner than
/// this after the request; the difference is the provider's own overhead.
struct WalletStep {
    let wallet: LNbitsWallet
    let count: Int

    func run(rate: Double) async -> (LatencySummary, failures: Int) {
        let clock = ContinuousClock()
        let start = clock.now
        var latencies: [Double] = []
        var failures = 0
        await withTaskGroup(of: Double?.self) { group in
            for index in 0..<count {
                try? await clock.sleep(until: start + .seconds(Double(index) / rate))
                group.addTask {
                    let sent = clock.now
                    let request = InvoiceRequest(amountMsats: 1_000, memo: "ncn-bench wallet reference", expirySeconds: 600)
                    guard (try? await wallet.makeInvoice(request)) != nil else { return nil }
                    return (clock.now - sent).milliseconds
                }
            }
            for await latency in group {
                if let latency { latencies.append(latency) } else { failures += 1 }
            }
        }
        return (LatencySummary(latencies), failures)
    }
}
