import ComputeAPI
import KubeClient
@testable import Operator
import XCTest

final class WorkloadValidationTests: XCTestCase {
    typealias F = WorkloadFixtures

    private func cpuLease(_ change: (inout ComputeLeaseSpec) -> Void) -> ComputeLease {
        var lease = F.cpuLease
        change(&lease.spec)
        return lease
    }

    func testGPUsNeedTheProvidersNodeLabelKey() {
        XCTAssertEqual(F.buildError(F.gpuLease, provider: F.provider(gpuNodeLabelKey: ""), envSecretData: [:]), .missingGPUNodeLabelKey)
        var anyModel = F.gpuLease
        anyModel.spec.resources.gpuModel = nil
        XCTAssertEqual(F.buildError(anyModel, provider: F.provider(gpuNodeLabelKey: ""), envSecretData: [:]), .missingGPUNodeLabelKey)
    }

    func testInvalidGPUNodeLabelKeysAreRefused() {
        for key in ["nvidia.com/", "/gpu", "Nvidia.com/gpu.product", "a/b/c", "with space", String(repeating: "k", count: 64)] {
            XCTAssertEqual(F.buildError(F.gpuLease, provider: F.provider(gpuNodeLabelKey: key), envSecretData: [:]),
                           .invalidGPUNodeLabelKey(key), key)
            XCTAssertEqual(F.buildError(F.cpuLease, provider: F.provider(gpuNodeLabelKey: key)), .invalidGPUNodeLabelKey(key),
                           "\(key): a CPU lease uses it for its preference")
        }
    }

    func testValidGPUNodeLabelKeys() throws {
        for key in ["nvidia.com/gpu.product", "gpu", "feature.node.kubernetes.io/pci-10de.present", "example.com/GPU_Model"] {
            XCTAssertNoThrow(try F.build(F.gpuLease, provider: F.provider(gpuNodeLabelKey: key), envSecretData: [:]), key)
        }
    }

    func testGPUModelAndCount() {
        XCTAssertEqual(F.buildError(cpuLease { $0.resources.gpuModel = "NVIDIA-L4" }), .gpuModelWithoutGPUs("NVIDIA-L4"))
        XCTAssertEqual(F.buildError(cpuLease { $0.resources.gpus = -1 }), .invalidGPUCount(-1))
        for model in ["", "has space", "-leading", "trailing.", String(repeating: "m", count: 64)] {
            XCTAssertEqual(F.buildError(cpuLease { $0.resources.gpus = 1; $0.resources.gpuModel = model }), .invalidGPUModel(model), model)
        }
    }

    func testQuantitiesMustBePositive() {
        for text in ["0", "0m", "", "two", "-1", "1.5.5", "1Gb"] {
            XCTAssertEqual(F.buildError(cpuLease { $0.resources.cpu = Quantity(text) }),
                           .invalidQuantity(field: "spec.resources.cpu", text: text), text)
            XCTAssertEqual(F.buildError(cpuLease { $0.resources.memory = Quantity(text) }),
                           .invalidQuantity(field: "spec.resources.memory", text: text), text)
        }
    }

    func testTinyButPositiveQuantitiesAreAccepted() throws {
        let workload = try F.build(cpuLease { $0.resources = LeaseResources(cpu: "1m", memory: "1") })
        XCTAssertEqual(workload.podTemplate.spec?.containers.first?.resources?.limits, ["cpu": "1m", "memory": "1"])
    }

    func testDurationMustBePositive() {
        XCTAssertEqual(F.buildError(cpuLease { $0.durationSeconds = 0 }), .invalidDuration(0))
        XCTAssertEqual(F.buildError(cpuLease { $0.durationSeconds = -5 }), .invalidDuration(-5))
    }

    func testImageMustBeAReference() {
        XCTAssertEqual(F.buildError(cpuLease { $0.image = "" }), .invalidImage)
        XCTAssertEqual(F.buildError(cpuLease { $0.image = "busybox latest" }), .invalidImage)
        XCTAssertEqual(F.buildError(cpuLease { $0.image = "busybox\n" }), .invalidImage)
    }

    func testTenantKeyMustMakeALabel() {
        XCTAssertEqual(F.buildError(cpuLease { $0.tenantPubkey = "abc" }), .invalidTenant)
        XCTAssertEqual(F.buildError(cpuLease { $0.tenantPubkey = "" }), .invalidTenant)
        XCTAssertEqual(F.buildError(cpuLease { $0.tenantPubkey = "3bf0c63f cb934634" + String(repeating: "0", count: 48) }), .invalidTenant)
    }

    func testEnvVarNames() throws {
        for name in ["1ABC", "A B", "A=B", ""] {
            XCTAssertEqual(F.buildError(cpuLease { $0.env = [LeaseEnvVar(name: name, value: "x")] }), .invalidEnvVarName(name), name)
        }
        let fine = try F.build(cpuLease { $0.env = [LeaseEnvVar(name: "_a.b-c", value: "x")] })
        XCTAssertEqual(fine.podTemplate.spec?.containers.first?.env?.map(\.name), ["_a.b-c"])
    }

    func testRuntimeClassMustBeAName() {
        for name in ["gVisor", "has space", "-kata", "a..b"] {
            XCTAssertEqual(F.buildError(F.cpuLease, provider: F.provider(runtimeClassName: name)), .invalidRuntimeClass(name), name)
        }
    }

    func testProviderPolicyIsNotTheBuildersBusiness() throws {
        // A paid lease keeps building the same objects if the provider tightens its policy later.
        var provider = F.provider()
        provider.policy = WorkloadPolicy(allowedRegistries: ["registry.example.com"], portRange: PortRange(min: 30000, max: 30001),
                                         maxDurationSeconds: 60, maxGPUsPerLease: 1)
        XCTAssertEqual(try F.build(F.gpuLease, provider: provider, envSecretData: [:]),
                       try F.build(F.gpuLease, envSecretData: [:]))
    }

    func testEveryErrorHasAMessage() {
        let errors: [WorkloadBuildError] = [
            .invalidLeaseName("x.y"), .missingLeaseUID("x"), .invalidTenant, .invalidImage,
            .invalidQuantity(field: "spec.resources.cpu", text: "0"), .invalidGPUCount(-1), .gpuModelWithoutGPUs("L4"),
            .missingGPUNodeLabelKey, .invalidGPUNodeLabelKey("/"), .invalidGPUModel(" "), .invalidDuration(0), .invalidPort(0),
            .duplicatePort(80, protocol: "TCP"), .invalidPortName("80"), .duplicatePortName("web"), .invalidEnvVarName("1"),
            .invalidSecretKey("a b"), .missingEnvSecret("ns/name"), .invalidRuntimeClass("A"),
        ]
        XCTAssertEqual(Set(errors.map(\.description)).count, errors.count, "each says something different")
        for error in errors { XCTAssertGreaterThan(error.description.count, 20, error.description) }
        XCTAssertNotEqual(WorkloadBuildError.invalidPort(1), .invalidPort(2))
    }

    // MARK: Name rules

    func testNameRules() {
        XCTAssertTrue(KubernetesNames.isDNSLabel("a"))
        XCTAssertTrue(KubernetesNames.isDNSLabel("a-1"))
        XCTAssertTrue(KubernetesNames.isDNSLabel(String(repeating: "a", count: 63)))
        XCTAssertFalse(KubernetesNames.isDNSLabel(String(repeating: "a", count: 64)))
        XCTAssertFalse(KubernetesNames.isDNSLabel(""))
        XCTAssertFalse(KubernetesNames.isDNSLabel("a-"))
        XCTAssertFalse(KubernetesNames.isDNSLabel("a.b"))
        XCTAssertTrue(KubernetesNames.isDNSSubdomain("a.b-c.d"))
        XCTAssertFalse(KubernetesNames.isDNSSubdomain("a..b"))
        XCTAssertFalse(KubernetesNames.isDNSSubdomain(".a"))
        XCTAssertTrue(KubernetesNames.isLabelValue(""))
        XCTAssertTrue(KubernetesNames.isLabelValue("NVIDIA-H100-80GB-HBM3"))
        XCTAssertTrue(KubernetesNames.isLabelValue("a_b.c"))
        XCTAssertFalse(KubernetesNames.isLabelValue("a_"))
        XCTAssertTrue(KubernetesNames.isLabelKey("nvidia.com/gpu.product"))
        XCTAssertFalse(KubernetesNames.isLabelKey(""))
        XCTAssertTrue(KubernetesNames.isPortName("http"))
        XCTAssertTrue(KubernetesNames.isPortName("tcp-65535"))
        XCTAssertTrue(KubernetesNames.isPortName("a"))
        XCTAssertFalse(KubernetesNames.isPortName("123"))
        XCTAssertFalse(KubernetesNames.isPortName("a--b"))
        XCTAssertTrue(KubernetesNames.isEnvVarName("PATH"))
        XCTAssertFalse(KubernetesNames.isEnvVarName("9LIVES"))
        XCTAssertTrue(KubernetesNames.isSecretKey("tls.crt"))
        XCTAssertFalse(KubernetesNames.isSecretKey(".."))
    }
}
