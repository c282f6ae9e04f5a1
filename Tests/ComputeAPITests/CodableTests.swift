import ComputeAPI
import KubeClient
import XCTest

/// The types survive the trip through JSON (what the client sends and receives) unchanged.
final class CodableTests: XCTestCase {
    func testFullLeaseRoundTrips() throws {
        let lease = Fixtures.fullLease
        let decoded = try JSONDecoder().decode(ComputeLease.self, from: JSONEncoder().encode(lease))
        XCTAssertEqual(decoded, lease)
        XCTAssertEqual(decoded.apiVersion, "ncn.dev/v1alpha1")
        XCTAssertEqual(decoded.kind, "ComputeLease")
    }

    func testFullProviderRoundTrips() throws {
        let provider = Fixtures.fullProvider
        XCTAssertEqual(try JSONDecoder().decode(ComputeProvider.self, from: JSONEncoder().encode(provider)), provider)
        XCTAssertEqual(provider.metadata.name, "default")
    }

    func testMinimalLeaseGetsItsDefaults() throws {
        let lease: ComputeLease = try Fixtures.minimalLeaseJSON.decode()
        XCTAssertEqual(lease.spec.intervalSeconds, 600)
        XCTAssertEqual(lease.spec.graceSeconds, ComputeDefaults.graceSeconds)
        XCTAssertEqual(lease.spec.resources.gpus, 0)
        XCTAssertEqual(lease.spec.resources.cpu, "1")
        XCTAssertEqual(lease.spec.ports?.first?.protocol, .tcp)
        XCTAssertNil(lease.status)
    }

    func testMinimalProviderGetsItsDefaults() throws {
        let provider: ComputeProvider = try Fixtures.minimalProviderJSON.decode()
        XCTAssertEqual(provider.spec.billing, BillingSettings(intervalSeconds: 600, graceSeconds: 60, invoiceLeadSeconds: 120))
        XCTAssertEqual(provider.spec.policy, WorkloadPolicy())
        XCTAssertEqual(provider.spec.gpuNodeLabelKey, "nvidia.com/gpu.product")
        XCTAssertEqual(provider.spec.serviceType, .nodePort)
        XCTAssertEqual(provider.spec.payments.cashu?.unit, .sat)
        XCTAssertEqual(provider.spec.payments.rails, [.cashu])
        XCTAssertEqual(provider.requiredSecretKeys, ["nsec"])
    }

    func testWireNamesAreTheDocumentedOnes() throws {
        let json = try OrderedJSON(encoding: Fixtures.fullLease)
        XCTAssertEqual(json["spec"]?["resources"]?["gpus"], 2)
        XCTAssertEqual(json["spec"]?["ports"], [
            ["name": "jupyter", "port": 8888, "protocol": "TCP"], ["name": "wireguard", "port": 51820, "protocol": "UDP"],
        ])
        XCTAssertEqual(json["status"]?["phase"], "Running")
        XCTAssertEqual(json["status"]?["primaryEndpoint"], "203.0.113.7:31888")
        XCTAssertEqual(json["status"]?["conditions"]?.arrayCount, 3)
        XCTAssertEqual(json["spec"]?["bidExpiresAt"], "2026-11-24T20:05:00Z")
    }

    func testEmptyStringsAreLeftOutAndComeBackEmpty() throws {
        let variable = LeaseEnvVar(name: "EMPTY", value: "")
        XCTAssertEqual(try OrderedJSON(encoding: variable), ["name": "EMPTY"])
        XCTAssertEqual(try OrderedJSON(encoding: variable).decode(LeaseEnvVar.self), variable)
        let condition = Condition(type: .ready, status: .unknown, reason: "Starting", lastTransitionTime: Fixtures.time)
        XCTAssertNil(try OrderedJSON(encoding: condition)["message"])
        XCTAssertEqual(try OrderedJSON(encoding: condition).decode(Condition.self), condition)
    }

    func testAnUnknownPhaseIsADecodingError() {
        var json = Fixtures.minimalLeaseJSON
        json.set("status", ["phase": "Sleeping"])
        XCTAssertThrowsError(try json.decode(ComputeLease.self))
    }
}

extension OrderedJSON {
    var arrayCount: Int? {
        if case let .array(items) = self { return items.count }
        return nil
    }
}
