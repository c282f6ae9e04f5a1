import ComputeAPI
import Foundation
import KubeClient

/// Objects for the tests: `full*` sets every field the types have (so key-path comparisons
/// cover the whole schema), `minimal*` JSON carries only what the schema requires.
enum Fixtures {
    static let tenant = "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"
    static let request = "b6f6f5ef1d4b3c9e8f0a1d2c3b4a59687766554433221100ffeeddccbbaa9988"
    static let time = Timestamp(rfc3339: "2026-11-24T20:00:00Z")!

    static var fullLease: ComputeLease {
        var lease = ComputeLease(
            name: ComputeLease.name(forRequestEventId: request),
            spec: ComputeLeaseSpec(
                tenantPubkey: tenant,
                requestEventId: request,
                relays: ["wss://relay.example.com", "ws://127.0.0.1:17001"],
                image: "ghcr.io/nostr-compute/jupyter:2026.11",
                command: ["/usr/bin/tini", "--"],
                args: ["jupyter", "lab", "--port=8888"],
                env: [LeaseEnvVar(name: "JUPYTER_ENABLE_LAB", value: "yes")],
                envSecretRef: SecretReference(name: "lease-b6f6f5ef1d4b3c9e8f0a-env", namespace: "ncn-system"),
                resources: LeaseResources(cpu: "4", memory: "16Gi", gpus: 2, gpuModel: "NVIDIA-H100-80GB-HBM3", ephemeralStorage: "20Gi"),
                ports: [LeasePort(port: 8888, protocol: .tcp, name: "jupyter"), LeasePort(port: 51820, protocol: .udp, name: "wireguard")],
                durationSeconds: 7200,
                pricePerIntervalMsats: 2_500_000,
                intervalSeconds: 600,
                graceSeconds: 60,
                paymentRail: .lightning,
                bidExpiresAt: time.adding(seconds: 300),
                category: "inference",
                escrow: LeaseEscrow(arbitrator: String(repeating: "ef", count: 32), disputeWindowSeconds: 3600)
            )
        )
        var status = ComputeLeaseStatus(
            phase: .running,
            conditions: [
                Condition(type: .paid, status: .true, reason: "TranchePaid", message: "paid until 20:20", lastTransitionTime: time, observedGeneration: 1),
                Condition(type: .scheduled, status: .true, reason: "Bound", lastTransitionTime: time, observedGeneration: 1),
                Condition(type: .ready, status: .true, reason: "PodReady", lastTransitionTime: time, observedGeneration: 1),
            ],
            paidUntil: time.adding(seconds: 1200),
            node: "gpu-node-1",
            namespace: "ncn-lease-b6f6f5ef1d4b3c9e",
            observedGeneration: 1,
            ledger: LedgerSummary(
                tranchesPaid: 2, msatsReceived: 5_000_000, lastPaymentAt: time.adding(seconds: 600), balanceMsats: 1_000,
                state: .funded,
                invoices: [LedgerInvoice(tranche: 1, paymentHash: String(repeating: "ab", count: 32), bolt11: "lnbcrt25u1example",
                                         amountMsats: 2_500_000, issuedAt: time.adding(seconds: 480), expiresAt: time.adding(seconds: 660),
                                         state: .paid)],
                credits: [LedgerCredit(id: "ln:" + String(repeating: "ab", count: 32), rail: .lightning, msats: 2_500_000,
                                       at: time.adding(seconds: 600))],
                escrow: [LedgerEscrow(id: String(repeating: "12", count: 32), msats: 2_500_000, tranche: 1, paidUntil: time.adding(seconds: 1200),
                                      locktime: time.adding(seconds: 4800), state: .released, releasedAt: time.adding(seconds: 1300))],
                escrowedMsats: 2_500_000),
            message: "running on gpu-node-1",
            terminationReason: .durationElapsed
        )
        status.setEndpoints([LeaseEndpoint(name: "jupyter", host: "203.0.113.7", port: 31888, protocol: .tcp)])
        status.exitCode = 0
        status.imageScan = LeaseImageScan(image: "ghcr.io/nostr-compute/jupyter@sha256:" + String(repeating: "cd", count: 32),
                                          verdict: .allowed, reason: "no findings", scannedAt: time)
        lease.status = status
        return lease
    }

    static var fullProvider: ComputeProvider {
        ComputeProvider(spec: ComputeProviderSpec(
            relays: ["wss://relay.example.com", "wss://nos.example.org"],
            pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000,
                             msatsPerGpuHour: ["NVIDIA-H100-80GB-HBM3": 2_000_000, "NVIDIA-L4": 300_000]),
            billing: BillingSettings(intervalSeconds: 600, graceSeconds: 90, invoiceLeadSeconds: 120),
            payments: PaymentSettings(lightning: LightningRail(backend: .nwc),
                                      cashu: CashuRail(mints: ["https://mint.example.com"], unit: .sat,
                                                       escrow: EscrowSettings(arbitrators: [String(repeating: "ef", count: 32)],
                                                                              disputeWindowSeconds: 7200, maxUnreleasedTranches: 3))),
            policy: WorkloadPolicy(allowedRegistries: ["ghcr.io", "registry.example.com:5000/team"], portRange: PortRange(min: 1024, max: 65535),
                                   maxDurationSeconds: 86_400, blockedTenants: [String(repeating: "ab", count: 32)], maxGPUsPerLease: 4,
                                   egress: EgressSettings(blockedCIDRs: ["203.0.113.0/24", "2001:db8::/32"],
                                                          dns: ClusterDNS(addresses: ["169.254.20.10"])),
                                   categories: ["inference", "ci-build"], blocklistPublishers: [String(repeating: "cd", count: 32)],
                                   imageScan: ImageScanSettings(url: "http://scanner.ncn-system.svc:8080/scan", timeoutSeconds: 600,
                                                                plainHTTPRegistries: ["registry.example.com:5000"])),
            advertise: Advertisement(region: "eu-central", labels: ["tier": "datacenter"]),
            gpuNodeLabelKey: "nvidia.com/gpu.product",
            serviceType: .loadBalancer,
            runtimeClassName: "gvisor",
            secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system")
        ))
    }

    /// Only required fields, plus one port and a Cashu rail so the list-item defaults are exercised too.
    static let minimalLeaseJSON: OrderedJSON = [
        "apiVersion": "ncn.dev/v1alpha1", "kind": "ComputeLease", "metadata": ["name": "minimal"],
        "spec": [
            "tenantPubkey": .string(tenant), "requestEventId": .string(request), "relays": ["wss://relay.example.com"],
            "image": "busybox", "resources": ["cpu": "1", "memory": "1Gi"], "ports": [["port": 8080]],
            "durationSeconds": 600, "pricePerIntervalMsats": 1000, "paymentRail": "cashu",
        ],
    ]

    static let minimalProviderJSON: OrderedJSON = [
        "apiVersion": "ncn.dev/v1alpha1", "kind": "ComputeProvider", "metadata": ["name": "default"],
        "spec": [
            "relays": ["wss://relay.example.com"],
            "pricing": ["msatsPerCpuHour": 1000, "msatsPerGiBHour": 100],
            "payments": ["cashu": ["mints": ["https://mint.example.com"]]],
            "secretRef": ["name": "ncn-provider", "namespace": "ncn-system"],
        ],
    ]

    /// The repository root, found from this file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { repositoryRoot.appendingPathComponent(relative).path }
}
