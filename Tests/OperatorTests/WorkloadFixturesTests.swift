import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
import XCTest

/// Leases and providers for the workload builder tests, and the helpers they share.
enum WorkloadFixtures {
    static let tenant = "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"
    static let request = "b6f6f5ef1d4b3c9e8f0a1d2c3b4a59687766554433221100ffeeddccbbaa9988"
    static let leaseName = ComputeLease.name(forRequestEventId: request)  // "lease-b6f6f5ef1d4b3c9e8f0a"
    static let namespace = "ncn-lease-lease-b6f6f5ef1d4b3c9e8f0a"
    static let uid = "0f9e3a52-6b7c-4d1e-9a2b-3c4d5e6f7a8b"

    /// A CPU lease with two ports, plain env and a command: the common case.
    static var cpuLease: ComputeLease {
        lease(spec: ComputeLeaseSpec(
            tenantPubkey: tenant, requestEventId: request, relays: ["wss://relay.example.com"],
            image: "ghcr.io/nostr-compute/echo:1.0", command: ["/bin/echo-server"], args: ["--listen", ":8080"],
            env: [LeaseEnvVar(name: "GREETING", value: "hello"), LeaseEnvVar(name: "EMPTY", value: ""),
                  LeaseEnvVar(name: "URL", value: "http://$(GREETING)")],
            resources: LeaseResources(cpu: "500m", memory: "1Gi"),
            ports: [LeasePort(port: 8080, protocol: .tcp, name: "http"), LeasePort(port: 9000, protocol: .udp)],
            durationSeconds: 3600, pricePerIntervalMsats: 10_000, paymentRail: .cashu))
    }

    /// Two H100s, one Jupyter port and a private env Secret.
    static var gpuLease: ComputeLease {
        lease(spec: ComputeLeaseSpec(
            tenantPubkey: tenant, requestEventId: request, relays: ["wss://relay.example.com"],
            image: "ghcr.io/nostr-compute/jupyter:2026.11",
            envSecretRef: SecretReference(name: "lease-b6f6f5ef1d4b3c9e8f0a-env", namespace: "ncn-system"),
            resources: LeaseResources(cpu: "8", memory: "64Gi", gpus: 2, gpuModel: "NVIDIA-H100-80GB-HBM3"),
            ports: [LeasePort(port: 8888, protocol: .tcp, name: "jupyter")],
            durationSeconds: 7200, pricePerIntervalMsats: 2_500_000, paymentRail: .lightning))
    }

    /// A batch job: no ports, no env.
    static var batchLease: ComputeLease {
        lease(spec: ComputeLeaseSpec(
            tenantPubkey: tenant, requestEventId: request, relays: ["wss://relay.example.com"],
            image: "busybox", command: ["sh", "-c", "echo done"],
            resources: LeaseResources(cpu: "1", memory: "256Mi"),
            durationSeconds: 600, pricePerIntervalMsats: 1_000, paymentRail: .cashu))
    }

    static let envSecretData = ["API_TOKEN": "s3cret value", "DB_PASSWORD": "hunter2"]

    static func lease(name: String = leaseName, uid: String? = uid, spec: ComputeLeaseSpec) -> ComputeLease {
        var lease = ComputeLease(name: name, spec: spec)
        lease.metadata.uid = uid
        return lease
    }

    static func provider(
        serviceType: EndpointServiceType = .nodePort, runtimeClassName: String? = nil,
        gpuNodeLabelKey: String = ComputeDefaults.gpuNodeLabelKey
    ) -> ComputeProviderSpec {
        ComputeProviderSpec(
            relays: ["wss://relay.example.com"],
            pricing: Pricing(msatsPerCpuHour: 20_000, msatsPerGiBHour: 5_000, msatsPerGpuHour: ["NVIDIA-H100-80GB-HBM3": 2_000_000]),
            payments: PaymentSettings(cashu: CashuRail(mints: ["https://mint.example.com"])),
            gpuNodeLabelKey: gpuNodeLabelKey, serviceType: serviceType, runtimeClassName: runtimeClassName,
            secretRef: SecretReference(name: "ncn-provider", namespace: "ncn-system"))
    }

    static func build(
        _ lease: ComputeLease, provider: ComputeProviderSpec = provider(), envSecretData: [String: String]? = nil, jobStart: Date? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> LeaseWorkload {
        do {
            return try LeaseWorkloadBuilder.build(lease: lease, provider: provider, envSecretData: envSecretData, jobStart: jobStart)
        } catch {
            XCTFail("build failed: \(error)", file: file, line: line)
            throw error
        }
    }

    static var cpuWorkload: LeaseWorkload { get throws { try build(cpuLease) } }
    static var gpuWorkload: LeaseWorkload { get throws { try build(gpuLease, envSecretData: envSecretData) } }
    static var batchWorkload: LeaseWorkload { get throws { try build(batchLease) } }

    /// The error `build` throws, or a failure if it succeeds.
    static func buildError(
        _ lease: ComputeLease, provider: ComputeProviderSpec = provider(), envSecretData: [String: String]? = nil,
        envSecretNamespace: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) -> WorkloadBuildError? {
        do {
            let workload = try LeaseWorkloadBuilder.build(lease: lease, provider: provider, envSecretData: envSecretData,
                                                          envSecretNamespace: envSecretNamespace)
            XCTFail("expected an error, built \(workload.namespace.metadata.name ?? "?")", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    /// Every object of a workload with its kind, for checks that hold for all of them.
    static func objects(_ workload: LeaseWorkload) -> [(kind: String, meta: ObjectMeta)] {
        var objects: [(String, ObjectMeta)] = [
            ("Namespace", workload.namespace.metadata), ("ResourceQuota", workload.resourceQuota.metadata),
            ("LimitRange", workload.limitRange.metadata), ("Job", workload.job.metadata),
        ]
        objects += workload.networkPolicies.map { ("NetworkPolicy", $0.metadata) }
        if let secret = workload.envSecret { objects.append(("Secret", secret.metadata)) }
        if let service = workload.service { objects.append(("Service", service.metadata)) }
        return objects
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    /// Canonical JSON (sorted keys), for comparing whole objects as the apiserver would receive them.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

final class WorkloadFixturesTests: XCTestCase {
    /// The fixtures are leases the apiserver would accept, so the builder is tested on real input.
    func testFixtureLeasesAreValidComputeLeases() {
        for lease in [WorkloadFixtures.cpuLease, WorkloadFixtures.gpuLease, WorkloadFixtures.batchLease] {
            XCTAssertEqual(lease.violations(), [], lease.spec.image)
        }
        XCTAssertEqual(WorkloadFixtures.leaseName, "lease-b6f6f5ef1d4b3c9e8f0a")
    }
}

extension LeaseWorkload {
    /// The Job's Pod template: what the lease's Pod is made from.
    var podTemplate: PodTemplateSpec { job.spec?.template ?? PodTemplateSpec(metadata: nil, spec: nil) }
}
