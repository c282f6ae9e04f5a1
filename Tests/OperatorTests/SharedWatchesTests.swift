import ComputeAPI
import Foundation
import KubeClient
import Logging
@testable import Operator
import XCTest

/// The watches README "What the operator does" and docs/architecture.md count: the controllers
/// made as `ncn-operator` makes them share one watch per kind and selector, of the provider
/// they were told to serve.
final class SharedWatchesTests: XCTestCase {
    func testTheControllersShareOneWatchPerKindAndSelectorOfTheProviderTheyServe() async throws {
        let client = try KubernetesClient(connection: ClusterConnection(
            server: URL(string: "https://127.0.0.1:1")!, certificateAuthorityPEM: nil, credentials: .none))
        let informers = SharedInformers(client: client)
        let served = ProviderContext(name: "gpu-farm", client: client, informers: informers)
        let logger = Logger(label: "test")
        let wakeUps = MarketWakeUps()
        let billing = BillingController(client: client, wallets: SecretLightningWalletSource(client: client, secrets: served.secrets),
                                        notifier: wakeUps, informers: informers, provider: served, logger: logger)
        let market = MarketBridge(client: client, inventory: nil, cashu: nil, wakeUps: wakeUps, informers: informers, provider: served, logger: logger)
        _ = LeaseController(client: client, finalRecords: market, payments: billing, informers: informers, provider: served, logger: logger)

        let keys = informers.keys
        XCTAssertEqual(keys.count, 10, keys.joined(separator: "\n"))
        let providerKeys = keys.filter { $0.contains("computeproviders") }
        XCTAssertEqual(providerKeys.count, 1, "one watch of the provider for the three controllers")
        XCTAssertTrue(providerKeys.first?.hasSuffix("fields=metadata.name=gpu-farm") ?? false, "\(providerKeys)")
        XCTAssertEqual(keys.filter { $0.contains("computeleases") }.count, 1)
        let owned = keys.filter { $0.contains("labels=\(LeaseLabels.lease)") }
        XCTAssertEqual(Set(owned.map { $0.split(separator: " ")[1].split(separator: "/").last.map(String.init) ?? "" }),
                       ["pods", "jobs", "namespaces", "services", "networkpolicies", "resourcequotas", "limitranges"], "\(owned)")
        XCTAssertEqual(keys.filter { $0.contains("core/v1/nodes") }.count, 1)

        // Two more while leading, made when they first run: the inventory's scheduled Pods
        // (`Inventory.podFieldSelector`) and the provider's Secret (`ProviderSecrets`).
        try await client.shutdown()
    }
}
