import ArgumentParser
import AsyncHTTPClient
import ComputeAPI
import Billing
import Foundation
import KubeClient
import NIOCore
import NostrBridge
import OperatorApp

/// Payment → Pod without polling: leases bid one after another, each paid from the tenant's
/// LNbits wallet, and the time from the payment to what follows, each seen from outside: the
/// provider's wallet announcing the payment (LNbits' WebSocket push or NWC's `payment_received`,
/// read here with the provider's own credentials: the wallet's pace, the reference), the lease's
/// Job and Pod created (a watch on the apiserver), and the tenant's `processing` and
/// `provisioning` answers.
struct PaymentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment",
        abstract: "Pay leases and time payment → the wallet's notice → Job → Pod → the tenant's answers.",
        discussion: """
            The provider's own polling should be slow (scripts/bench market sets --payment-poll-interval 3600s),
            so that only the wallet's notice can start the lease. The wallet's credentials are secrets: give
            them in the environment, not as arguments: NCN_BENCH_LNBITS_INVOICE_KEY (the provider's LNbits
            wallet, --wallet lnbits) or NCN_BENCH_NWC_URI (its NWC connection, --wallet nwc), and
            NCN_BENCH_LNBITS_ADMIN_KEY, the tenant's LNbits wallet that pays.
            scripts/bench market runs this after the load, on the same operator, once for each wallet.

            Example:
              NCN_BENCH_NWC_URI=nostr+walletconnect://… NCN_BENCH_LNBITS_ADMIN_KEY=… \\
                ncn-bench payment --wallet nwc --relay ws://127.0.0.1:27001 --provider <hex key> \\
                --kubeconfig kubeconfig --lnbits-url http://127.0.0.1:15000 --image registry.bench.invalid/app:1
            """)

    enum Wallet: String, ExpressibleByArgument, CaseIterable { case lnbits, nwc }

    @Option(help: "The provider's wallet: lnbits (its WebSocket push) or nwc (payment_received notifications).") var wallet: Wallet
    @Option(help: "A relay the provider reads (repeatable).") var relay: [String]
    @Option(help: "The provider's public key, hex or npub.") var provider: String
    @Option(help: "The kubeconfig of the provider's cluster, to watch the leases' Jobs and Pods.") var kubeconfig: String
    @Option(help: "The LNbits the tenant pays from; its admin key comes from $NCN_BENCH_LNBITS_ADMIN_KEY.") var lnbitsUrl: String
    @Option(help: "The image the requests ask for (allowed by the provider).") var image: String
    @Option(help: "Leases to pay, one after another.") var count = 20
    @Option(help: "Seconds between one lease's payment and the next request.") var pause = 1.0
    @Option(help: "Seconds the tenant takes to pay after its payment-required: the provider's own work after the invoice is over by then, so only the wallet's notice can start the lease.")
    var think = 1.0
    @Option(help: "Seconds to wait for each step before counting it missed.") var timeout = 20.0
    @Option(help: "The operator's /metrics URL: the apiserver requests the step cost, and how long each took as the operator saw it.")
    var operatorMetrics: String?
    @Flag(help: "One JSON object instead of the table.") var json = false

    func validate() throws {
        guard !relay.isEmpty else { throw ValidationError("give at least one --relay") }
        guard count > 0 else { throw ValidationError("--count must be positive") }
        let environment = ProcessInfo.processInfo.environment
        if wallet == .nwc, environment["NCN_BENCH_NWC_URI"] == nil {
            throw ValidationError("set NCN_BENCH_NWC_URI to the provider wallet's NWC connection URI")
        }
        if wallet == .lnbits, environment["NCN_BENCH_LNBITS_INVOICE_KEY"] == nil {
            throw ValidationError("set NCN_BENCH_LNBITS_INVOICE_KEY to the invoice key of the provider's LNbits wallet")
        }
        guard ProcessInfo.processInfo.environment["NCN_BENCH_LNBITS_ADMIN_KEY"] != nil else {
            throw ValidationError("set NCN_BENCH_LNBITS_ADMIN_KEY to the admin key of the tenant's LNbits wallet")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let payer = LNbitsPayer(baseURL: lnbitsUrl, adminKey: environment["NCN_BENCH_LNBITS_ADMIN_KEY"] ?? "")
        guard let providerKey = (try? PublicKey(hex: provider)) ?? (try? NIP19.decodeNpub(provider)) else {
            throw MarketLoadError("--provider \(provider) is not a public key in hex or npub")
        }
        let client = try KubernetesClient(connection: try ProcessSetup.connection(kubeconfig: kubeconfig))
        let notices: any PaymentHintSource = switch wallet {
        case .nwc: try NWCWallet(uri: try NWCConnectionURI(parsing: environment["NCN_BENCH_NWC_URI"] ?? ""))
        case .lnbits: LNbitsPaymentFeed(baseURL: lnbitsUrl, invoiceKey: environment["NCN_BENCH_LNBITS_INVOICE_KEY"] ?? "")
        }
        let pool = try RelayPool(relays: relay)
        let seen = PaymentObservations()
        let clock = ContinuousClock()
        let answers = try pool.subscribe([Filter(authors: [providerKey.hex], kinds: [6900, 7000], since: NostrEvent.currentTimestamp() - 5)])
        let notifications = notices.notifications()
        let background = [
            Task { try await pool.run() },
            Task { try await notices.run() },
            Task { for await case let .event(event, _) in answers { seen.answer(event, at: clock.now) } },
            Task { for await hash in notifications { seen.notified(hash, at: clock.now) } },
            Task { try await seen.watch(Job.self, client: client, clock: clock) },
            Task { try await seen.watch(Pod.self, client: client, clock: clock) },
        ]
        defer {
            for task in background { task.cancel() }
        }
        try await Task.sleep(for: .seconds(2))  // the subscriptions and watches are up

        var timesBefore: OperatorRequestTimes?
        if let operatorMetrics { timesBefore = try await OperatorRequestTimes.read(operatorMetrics) }
        var leases: [PaymentObservations.Lease] = []
        var missed: [String] = []
        for index in 0..<count {
            let tenant = SecretKey.generate()
            let event = try EventBuilder(kind: 5900, content: "", tags: [
                ["param", "image", image], ["param", "cpu", "100m"], ["param", "memory", "64Mi"], ["param", "duration", "600"],
                ["param", "rail", "lightning"], ["bid", "1000000000"], ["p", providerKey.hex],
            ]).sign(with: tenant)
            seen.requested(event.id)
            guard await pool.publish(event, timeout: .seconds(10)).values.contains(where: \.isSuccess) else {
                missed.append("request \(index + 1): no relay took it")
                continue
            }
            guard let bolt11 = await seen.wait(timeout: timeout, { $0.invoice(for: event.id) }) else {
                missed.append("request \(index + 1): no payment-required within \(timeout) s")
                continue
            }
            let hash = try Bolt11Invoice.decode(bolt11).paymentHash.lowercased()
            try await Task.sleep(for: .seconds(think))
            do { try await payer.pay(bolt11) } catch {
                missed.append("request \(index + 1): the tenant's payment failed: \(error)")
                continue
            }
            let paidAt = clock.now
            let name = ComputeLease.name(forRequestEventId: event.id)
            let lease = await seen.wait(timeout: timeout) { $0.lease(request: event.id, name: name, paymentHash: hash, paidAt: paidAt) }
            let got = lease ?? seen.partial(request: event.id, name: name, paymentHash: hash, paidAt: paidAt)
            leases.append(got)
            if lease == nil { missed.append("lease \(index + 1): not every step within \(timeout) s (\(got.missing.joined(separator: ", ")))") }
            FileHandle.standardError.write(Data("bench: lease \(index + 1)/\(count) paid\n".utf8))
            try await Task.sleep(for: .seconds(pause))
        }
        var result = PaymentResult(wallet: wallet.rawValue, leases: leases, missed: missed)
        if let operatorMetrics, let timesBefore {
            let after = try await OperatorRequestTimes.read(operatorMetrics)
            result.requests = after.since(timesBefore).map {
                PaymentResult.Requests(request: $0.request, perLease: Double($0.count) / Double(max(1, leases.count)), meanMilliseconds: $0.meanMilliseconds)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(result.table)
        }
        try? await client.shutdown()
    }
}

/// Pays a bolt11 from an LNbits wallet, as the tenant's own wallet would.
struct LNbitsPayer: Sendable {
    let baseURL: String
    let adminKey: String

    func pay(_ bolt11: String) async throws {
        var request = HTTPClientRequest(url: baseURL + "/api/v1/payments")
        request.method = .POST
        request.headers.add(name: "X-Api-Key", value: adminKey)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["out": true, "bolt11": bolt11])))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 16)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw MarketLoadError("LNbits answered \(response.status.code): \(String(buffer: body).prefix(300))")
        }
    }
}
