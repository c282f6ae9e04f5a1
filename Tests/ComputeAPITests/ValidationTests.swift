import ComputeAPI
import KubeClient
import XCTest

/// The rules the apiserver enforces, checked in Swift against the same schema.
final class ValidationTests: XCTestCase {
    private func leaseViolations(_ change: (inout ComputeLease) -> Void) -> [String] {
        var lease = Fixtures.fullLease
        change(&lease)
        // One path per field, in order: the apiserver also names a field once per broken rule.
        var seen: Set<String> = []
        return lease.violations().map(\.path).filter { seen.insert($0).inserted }
    }

    func testRefusesABadPubkey() {
        XCTAssertEqual(leaseViolations { $0.spec.tenantPubkey = "npub1notahexkey" }, ["spec.tenantPubkey"])
        XCTAssertEqual(leaseViolations { $0.spec.tenantPubkey = Fixtures.tenant.uppercased() }, ["spec.tenantPubkey"])
        XCTAssertEqual(leaseViolations { $0.spec.requestEventId = String(Fixtures.request.dropLast()) }, ["spec.requestEventId"])
    }

    func testRefusesANegativeOrHugeGPUCount() {
        XCTAssertEqual(leaseViolations { $0.spec.resources.gpus = -1 }, ["spec.resources.gpus"])
        XCTAssertEqual(leaseViolations { $0.spec.resources.gpus = 65 }, ["spec.resources.gpus"])
    }

    func testRefusesABadQuantity() {
        XCTAssertEqual(leaseViolations { $0.spec.resources.memory = "lots" }, ["spec.resources.memory"])
        XCTAssertEqual(leaseViolations { $0.spec.resources.cpu = "-2" }, ["spec.resources.cpu"])
        XCTAssertEqual(leaseViolations { $0.spec.resources.cpu = "1.5" }, [])
    }

    func testRefusesAnUnknownPhase() {
        var json = Fixtures.minimalLeaseJSON
        json.set("status", ["phase": "Sleeping"])
        let found = ComputeLease.definition.rootSchema.violations(of: json)
        XCTAssertEqual(found.map(\.path), ["status.phase"])
        XCTAssertTrue(found[0].message.contains("AwaitingPayment"), found[0].message)
    }

    func testRefusesBadPortsAndDuplicates() {
        XCTAssertEqual(leaseViolations { $0.spec.ports = [LeasePort(port: 0)] }, ["spec.ports[0].port"])
        XCTAssertEqual(leaseViolations { $0.spec.ports = [LeasePort(port: 22), LeasePort(port: 22)] }, ["spec.ports[1]"])
        // The same number over TCP and UDP is two ports.
        XCTAssertEqual(leaseViolations { $0.spec.ports = [LeasePort(port: 53, protocol: .tcp), LeasePort(port: 53, protocol: .udp)] }, [])
        XCTAssertEqual(leaseViolations { $0.spec.ports = [LeasePort(port: 22, name: "SSH_Port")] }, ["spec.ports[0].name"])
    }

    func testRefusesOtherBadSpecs() {
        XCTAssertEqual(leaseViolations { $0.spec.relays = [] }, ["spec.relays"])
        XCTAssertEqual(leaseViolations { $0.spec.relays = ["https://relay.example.com"] }, ["spec.relays[0]"])
        XCTAssertEqual(leaseViolations { $0.spec.image = "" }, ["spec.image"])
        XCTAssertEqual(leaseViolations { $0.spec.intervalSeconds = 5 }, ["spec.intervalSeconds"])
        XCTAssertEqual(leaseViolations { $0.spec.pricePerIntervalMsats = -1 }, ["spec.pricePerIntervalMsats"])
        XCTAssertEqual(leaseViolations { $0.spec.env = [LeaseEnvVar(name: "1BAD", value: "")] }, ["spec.env[0].name"])
        XCTAssertEqual(leaseViolations { $0.status?.conditions?[0].reason = "not camel" }, ["status.conditions[0].reason"])
    }

    func testReportsFieldsTheApiserverWouldDrop() {
        var json = Fixtures.minimalLeaseJSON
        var spec = json["spec"]!
        spec.set("gpu", 2)
        json.set("spec", spec)
        XCTAssertEqual(ComputeLease.definition.rootSchema.violations(of: json).map(\.path), ["spec.gpu"])
    }

    func testSemanticRulesTheSchemaCannotExpress() {
        XCTAssertEqual(leaseViolations {
            $0.spec.resources.gpus = 0
            $0.spec.resources.cpu = "0"
        }, ["spec.resources.gpuModel", "spec.resources.cpu"])

        var provider = Fixtures.fullProvider
        provider.spec.policy.portRange = PortRange(min: 9000, max: 8000)
        provider.spec.billing.invoiceLeadSeconds = 600
        XCTAssertEqual(provider.violations().map(\.path), ["spec.policy.portRange", "spec.billing.invoiceLeadSeconds"])
        XCTAssertThrowsError(try provider.validate()) { error in
            XCTAssertTrue("\(error)".contains("spec.policy.portRange"), "\(error)")
        }
    }

    func testProviderNeedsAPaymentRailAndAValidSecretRef() {
        var provider = Fixtures.fullProvider
        provider.spec.payments = PaymentSettings()
        provider.spec.secretRef.namespace = "Not_A_Namespace"
        XCTAssertEqual(provider.violations().map(\.path), ["spec.payments", "spec.secretRef.namespace"])
    }

    func testMissingRequiredFieldsAreNamed() {
        let json: OrderedJSON = ["apiVersion": "ncn.dev/v1alpha1", "kind": "ComputeLease", "metadata": ["name": "x"], "spec": [:]]
        let paths = ComputeLease.definition.rootSchema.violations(of: json).map(\.path)
        XCTAssertEqual(paths, ["spec.tenantPubkey", "spec.requestEventId", "spec.relays", "spec.image", "spec.resources",
                               "spec.durationSeconds", "spec.pricePerIntervalMsats", "spec.paymentRail"])
    }
}
