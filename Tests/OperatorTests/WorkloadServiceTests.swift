import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
import XCTest

final class WorkloadServiceTests: XCTestCase {
    typealias F = WorkloadFixtures

    func testNodePortService() throws {
        let service = try XCTUnwrap(F.cpuWorkload.service)
        XCTAssertEqual(service.apiVersion, "v1")
        XCTAssertEqual(service.kind, "Service")
        XCTAssertEqual(service.metadata.name, "endpoints")
        XCTAssertEqual(service.metadata.namespace, F.namespace)
        XCTAssertNil(service.status)
        let spec = try XCTUnwrap(service.spec)
        XCTAssertEqual(spec.type, "NodePort")
        XCTAssertEqual(spec.selector, ["ncn.dev/lease": F.leaseName, "app.kubernetes.io/component": "workload"])
        XCTAssertEqual(spec.ports, [
            Service.Port(name: "http", protocol: "TCP", port: 8080, targetPort: 8080),
            Service.Port(name: "udp-9000", protocol: "UDP", port: 9000, targetPort: 9000),
        ])
        XCTAssertNil(spec.ports?.first?.nodePort, "allocated by the apiserver")
        XCTAssertNil(spec.clusterIP)
        XCTAssertNil(spec.externalTrafficPolicy)
    }

    func testLoadBalancerService() throws {
        let service = try XCTUnwrap(F.build(F.gpuLease, provider: F.provider(serviceType: .loadBalancer), envSecretData: [:]).service)
        XCTAssertEqual(service.spec?.type, "LoadBalancer")
        XCTAssertEqual(service.spec?.ports, [Service.Port(name: "jupyter", protocol: "TCP", port: 8888, targetPort: 8888)])
    }

    func testServiceSelectsThePod() throws {
        for workload in [try F.cpuWorkload, try F.gpuWorkload] {
            let selector = try XCTUnwrap(workload.service?.spec?.selector)
            let podLabels = try XCTUnwrap(workload.podTemplate.metadata?.labels)
            for (key, value) in selector { XCTAssertEqual(podLabels[key], value, key) }
        }
    }

    func testNoServiceWithoutPorts() throws {
        XCTAssertNil(try F.batchWorkload.service)
        var lease = F.cpuLease
        lease.spec.ports = []
        XCTAssertNil(try F.build(lease).service)
    }

    // MARK: Port names

    func testUnnamedPortsGetProtocolAndNumber() throws {
        var lease = F.cpuLease
        lease.spec.ports = [LeasePort(port: 22), LeasePort(port: 53, protocol: .udp), LeasePort(port: 53, protocol: .tcp),
                            LeasePort(port: 65535, protocol: .udp), LeasePort(port: 1)]
        let names = try F.build(lease).service?.spec?.ports?.map(\.name)
        XCTAssertEqual(names, ["tcp-22", "udp-53", "tcp-53", "udp-65535", "tcp-1"])
        for name in names ?? [] { XCTAssertTrue(KubernetesNames.isPortName(name ?? ""), name ?? "nil") }
    }

    func testTenantPortNamesAreKeptWhenValid() throws {
        var lease = F.cpuLease
        lease.spec.ports = [LeasePort(port: 22, name: "ssh"), LeasePort(port: 8888, name: "jupyter-lab-web"), LeasePort(port: 80, name: "h2c")]
        XCTAssertEqual(try F.build(lease).service?.spec?.ports?.map(\.name), ["ssh", "jupyter-lab-web", "h2c"])
    }

    func testInvalidAndDuplicatePortsAreRefused() {
        let cases: [([LeasePort], WorkloadBuildError)] = [
            ([LeasePort(port: 80, name: "8080")], .invalidPortName("8080")),  // needs a letter
            ([LeasePort(port: 80, name: "a--b")], .invalidPortName("a--b")),
            ([LeasePort(port: 80, name: "Web")], .invalidPortName("Web")),
            ([LeasePort(port: 80, name: "-web")], .invalidPortName("-web")),
            ([LeasePort(port: 80, name: "a-sixteen-chars-")], .invalidPortName("a-sixteen-chars-")),
            ([LeasePort(port: 80, name: "sixteen-chars-xy")], .invalidPortName("sixteen-chars-xy")),
            ([LeasePort(port: 80, name: "")], .invalidPortName("")),
            ([LeasePort(port: 80, name: "web"), LeasePort(port: 81, name: "web")], .duplicatePortName("web")),
            ([LeasePort(port: 80, name: "tcp-81"), LeasePort(port: 81)], .duplicatePortName("tcp-81")),
            ([LeasePort(port: 80), LeasePort(port: 80, name: "again")], .duplicatePort(80, protocol: "TCP")),
            ([LeasePort(port: 0)], .invalidPort(0)),
            ([LeasePort(port: 65536)], .invalidPort(65536)),
            ([LeasePort(port: -1)], .invalidPort(-1)),
        ]
        for (ports, expected) in cases {
            var lease = F.cpuLease
            lease.spec.ports = ports
            XCTAssertEqual(F.buildError(lease), expected, expected.description)
        }
    }

    // MARK: Env Secret

    func testEnvSecretIsCopiedIntoTheLeaseNamespaceAsBase64() throws {
        let secret = try XCTUnwrap(F.gpuWorkload.envSecret)
        XCTAssertEqual(secret.apiVersion, "v1")
        XCTAssertEqual(secret.kind, "Secret")
        XCTAssertEqual(secret.metadata.name, "tenant-env")
        XCTAssertEqual(secret.metadata.namespace, F.namespace)
        XCTAssertEqual(secret.type, "Opaque")
        XCTAssertNil(secret.stringData, "write-only; it would never compare equal to what is read back")
        XCTAssertNil(secret.immutable)
        XCTAssertEqual(secret.data, ["API_TOKEN": "czNjcmV0IHZhbHVl", "DB_PASSWORD": "aHVudGVyMg=="])
        XCTAssertEqual(secret.value("API_TOKEN").map { String(decoding: $0, as: UTF8.self) }, "s3cret value")
    }

    func testEnvSecretWithUnicodeAndEmptyValues() throws {
        let secret = try XCTUnwrap(F.build(F.cpuLease, envSecretData: ["EMOJI": "⚡️ sats", "EMPTY": ""]).envSecret)
        XCTAssertEqual(secret.value("EMOJI").map { String(decoding: $0, as: UTF8.self) }, "⚡️ sats")
        XCTAssertEqual(secret.data?["EMPTY"], "")
    }

    func testEmptyEnvSecretStillMakesAnEmptySecret() throws {
        let workload = try F.build(F.cpuLease, envSecretData: [:])
        XCTAssertEqual(workload.envSecret?.data, [:])
        XCTAssertNotNil(workload.podTemplate.spec?.containers.first?.envFrom)
    }

    func testNoEnvSecretWithoutData() throws {
        XCTAssertNil(try F.cpuWorkload.envSecret)
        XCTAssertNil(try F.batchWorkload.envSecret)
    }

    func testALeaseNamingASecretNeedsItsData() {
        XCTAssertEqual(F.buildError(F.gpuLease, envSecretData: nil), .missingEnvSecret("ncn-system/lease-b6f6f5ef1d4b3c9e8f0a-env"))
    }

    func testALeaseMayOnlyUseItsOwnEnvSecret() {
        for reference in [SecretReference(name: "admin-token", namespace: "kube-system"),
                          SecretReference(name: "lease-other0000000000000-env", namespace: "ncn-system")] {
            var lease = F.gpuLease
            lease.spec.envSecretRef = reference
            XCTAssertEqual(F.buildError(lease, envSecretData: ["TOKEN": "stolen"]),
                           .foreignEnvSecret("\(reference.namespace)/\(reference.name)", expected: "lease-b6f6f5ef1d4b3c9e8f0a-env"))
        }
        // The right name in another namespace: the operator reads its own namespace only.
        var lease = F.gpuLease
        lease.spec.envSecretRef = SecretReference(name: "lease-b6f6f5ef1d4b3c9e8f0a-env", namespace: "kube-system")
        XCTAssertEqual(F.buildError(lease, envSecretData: ["TOKEN": "stolen"], envSecretNamespace: "ncn-system"),
                       .foreignEnvSecret("kube-system/lease-b6f6f5ef1d4b3c9e8f0a-env", expected: "ncn-system/lease-b6f6f5ef1d4b3c9e8f0a-env"))
    }

    func testSecretKeysMustBeUsableAsVariables() {
        for key in ["1ABC", "A B", "A=B", "", ".", "..", "A/B", String(repeating: "K", count: 254)] {
            XCTAssertEqual(F.buildError(F.cpuLease, envSecretData: [key: "v"]), .invalidSecretKey(key), key)
        }
    }

    func testErrorMessagesNeverQuoteSecretValues() {
        let error = F.buildError(F.cpuLease, envSecretData: ["OK": "hunter2", "bad key": "correct horse"])
        XCTAssertEqual(error, .invalidSecretKey("bad key"))
        XCTAssertFalse(error?.description.contains("correct horse") ?? true)
        XCTAssertFalse(error?.description.contains("hunter2") ?? true)
    }
}
