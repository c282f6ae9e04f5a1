import ComputeAPI
import KubeClient
@testable import Operator
import XCTest

final class WorkloadPodTests: XCTestCase {
    typealias F = WorkloadFixtures

    func testCPULeaseJobRunsOnePodOnce() throws {
        let job = try F.cpuWorkload.job
        XCTAssertEqual(job.apiVersion, "batch/v1")
        XCTAssertEqual(job.kind, "Job")
        XCTAssertEqual(job.metadata.name, "workload")
        XCTAssertEqual(job.metadata.namespace, F.namespace)
        let labels = [
            "ncn.dev/lease": F.leaseName, "ncn.dev/tenant": "3bf0c63fcb934634",
            "app.kubernetes.io/managed-by": "ncn-operator", "app.kubernetes.io/component": "workload",
        ]
        XCTAssertEqual(job.metadata.labels, labels)
        XCTAssertEqual(job.metadata.ownerReferences?.first?.kind, "ComputeLease")
        XCTAssertNil(job.status)
        let spec = try XCTUnwrap(job.spec)
        XCTAssertEqual(spec.parallelism, 1)
        XCTAssertEqual(spec.completions, 1)
        XCTAssertEqual(spec.backoffLimit, 0, "a failed workload ends the lease; it is never retried")
        XCTAssertEqual(spec.activeDeadlineSeconds, 3600, "not paid yet: the whole duration")
        // The Pod carries the lease's labels (Service and NetworkPolicies select on them) and no
        // name or owner: the Job controller names it and owns it.
        XCTAssertEqual(spec.template.metadata, ObjectMeta(labels: labels))
    }

    func testCPULeasePod() throws {
        let pod = try F.cpuWorkload.podTemplate
        let spec = try XCTUnwrap(pod.spec)
        XCTAssertEqual(spec.restartPolicy, "Never")
        XCTAssertEqual(spec.activeDeadlineSeconds, 3600)
        XCTAssertNil(spec.nodeName, "the scheduler places the Pod")
        XCTAssertNil(spec.nodeSelector)
        XCTAssertNil(spec.tolerations)
        XCTAssertNil(spec.runtimeClassName)
        XCTAssertNil(spec.terminationGracePeriodSeconds)
        XCTAssertEqual(spec.affinity, WorkloadPodTests.preferNonGPUNodes)
        XCTAssertEqual(spec.containers.count, 1)

        let container = spec.containers[0]
        XCTAssertEqual(container.name, "main")
        XCTAssertEqual(container.image, "ghcr.io/nostr-compute/echo:1.0")
        XCTAssertEqual(container.imagePullPolicy, "Always", "the registry is asked every time, never the node's cache")
        XCTAssertEqual(container.command, ["/bin/echo-server"])
        XCTAssertEqual(container.args, ["--listen", ":8080"])
        XCTAssertEqual(container.env, [
            EnvVar(name: "GREETING", value: "hello"), EnvVar(name: "EMPTY"), EnvVar(name: "URL", value: "http://$(GREETING)"),
        ], "in the tenant's order, empty values left out")
        XCTAssertNil(container.envFrom)
        XCTAssertEqual(container.ports, [
            ContainerPort(name: "http", containerPort: 8080, protocol: "TCP"),
            ContainerPort(name: "udp-9000", containerPort: 9000, protocol: "UDP"),
        ])
        XCTAssertEqual(container.resources, ResourceRequirements(
            requests: ["cpu": "500m", "memory": "1Gi"], limits: ["cpu": "500m", "memory": "1Gi"]))
    }

    static let preferNonGPUNodes: JSONValue = .object([
        "nodeAffinity": .object([
            "preferredDuringSchedulingIgnoredDuringExecution": .array([.object([
                "weight": .number(100),
                "preference": .object(["matchExpressions": .array([
                    .object(["key": .string("nvidia.com/gpu.product"), "operator": .string("DoesNotExist")]),
                ])]),
            ])]),
        ]),
    ])

    func testCPULeaseAffinityAsJSON() throws {
        let affinity = try XCTUnwrap(F.cpuWorkload.podTemplate.spec?.affinity)
        XCTAssertEqual(try F.json(affinity), #"{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"preference":"#
            + #"{"matchExpressions":[{"key":"nvidia.com/gpu.product","operator":"DoesNotExist"}]},"weight":100}]}}"#)
    }

    func testCPULeaseWithoutAGPULabelKeyHasNoAffinity() throws {
        let pod = try F.build(F.cpuLease, provider: F.provider(gpuNodeLabelKey: "")).podTemplate
        XCTAssertNil(pod.spec?.affinity)
        XCTAssertNil(pod.spec?.nodeSelector)
    }

    func testCPULeasePreferenceFollowsTheProvidersLabelKey() throws {
        let pod = try F.build(F.cpuLease, provider: F.provider(gpuNodeLabelKey: "example.com/accelerator")).podTemplate
        let key = pod.spec?.affinity?["nodeAffinity"]?["preferredDuringSchedulingIgnoredDuringExecution"]
        guard case let .array(terms)? = key, case let .array(expressions)? = terms.first?["preference"]?["matchExpressions"] else {
            return XCTFail("no preferred term")
        }
        XCTAssertEqual(expressions.first?["key"], .string("example.com/accelerator"))
    }

    func testGPULeasePod() throws {
        let spec = try XCTUnwrap(F.gpuWorkload.podTemplate.spec)
        XCTAssertEqual(spec.nodeSelector, ["nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"])
        XCTAssertNil(spec.affinity, "a GPU lease has a hard selector, no preference")
        XCTAssertEqual(spec.tolerations, [Toleration(key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule")])
        XCTAssertEqual(spec.activeDeadlineSeconds, 7200)
        let container = spec.containers[0]
        XCTAssertEqual(container.image, "ghcr.io/nostr-compute/jupyter:2026.11")
        XCTAssertNil(container.command)
        XCTAssertNil(container.args)
        XCTAssertNil(container.env)
        XCTAssertEqual(container.envFrom, [EnvFromSource(secretRef: EnvFromSource.Reference(name: "tenant-env"))])
        XCTAssertEqual(container.ports, [ContainerPort(name: "jupyter", containerPort: 8888, protocol: "TCP")])
        let amounts = ["cpu": "8", "memory": "64Gi", "nvidia.com/gpu": "2"]
        XCTAssertEqual(container.resources, ResourceRequirements(requests: amounts, limits: amounts))
    }

    func testGPULeaseWithoutModelTakesAnyGPUNode() throws {
        var lease = F.gpuLease
        lease.spec.resources.gpuModel = nil
        let spec = try XCTUnwrap(F.build(lease, envSecretData: [:]).podTemplate.spec)
        XCTAssertNil(spec.nodeSelector)
        XCTAssertNil(spec.affinity)
        XCTAssertEqual(spec.tolerations?.map(\.key), ["nvidia.com/gpu"])
        XCTAssertEqual(spec.containers[0].resources?.limits?["nvidia.com/gpu"], "2")
    }

    func testGPUModelSelectorUsesTheProvidersLabelKey() throws {
        let pod = try F.build(F.gpuLease, provider: F.provider(gpuNodeLabelKey: "gpu.example.com/model"), envSecretData: [:]).podTemplate
        XCTAssertEqual(pod.spec?.nodeSelector, ["gpu.example.com/model": "NVIDIA-H100-80GB-HBM3"])
    }

    func testBatchLeaseHasNoPortsAndNoEnv() throws {
        let container = try XCTUnwrap(F.batchWorkload.podTemplate.spec?.containers.first)
        XCTAssertNil(container.ports)
        XCTAssertNil(container.env)
        XCTAssertNil(container.envFrom)
        XCTAssertEqual(container.command, ["sh", "-c", "echo done"])
    }

    func testEmptyCommandAndArgsMeanTheImagesOwn() throws {
        var lease = F.cpuLease
        lease.spec.command = []
        lease.spec.args = []
        lease.spec.env = []
        let container = try XCTUnwrap(F.build(lease).podTemplate.spec?.containers.first)
        XCTAssertNil(container.command)
        XCTAssertNil(container.args)
        XCTAssertNil(container.env)
    }

    func testEnvSecretIsReadThroughEnvFromWhenSupplied() throws {
        let withSecret = try F.build(F.cpuLease, envSecretData: ["TOKEN": "x"]).podTemplate.spec?.containers.first
        XCTAssertEqual(withSecret?.envFrom, [EnvFromSource(secretRef: EnvFromSource.Reference(name: "tenant-env"))])
        XCTAssertNil(withSecret?.envFrom?.first?.secretRef?.optional, "the Pod must not start without it")
        XCTAssertNil(withSecret?.envFrom?.first?.prefix)
        let withoutSecret = try F.build(F.cpuLease).podTemplate.spec?.containers.first
        XCTAssertNil(withoutSecret?.envFrom)
    }

    func testRuntimeClassComesFromTheProvider() throws {
        let pod = try F.build(F.cpuLease, provider: F.provider(runtimeClassName: "gvisor")).podTemplate
        XCTAssertEqual(pod.spec?.runtimeClassName, "gvisor")
        let kata = try F.build(F.gpuLease, provider: F.provider(runtimeClassName: "kata-qemu.v2"), envSecretData: [:]).podTemplate
        XCTAssertEqual(kata.spec?.runtimeClassName, "kata-qemu.v2")
        let empty = try F.build(F.cpuLease, provider: F.provider(runtimeClassName: "")).podTemplate
        XCTAssertNil(empty.spec?.runtimeClassName, "empty means the default runtime")
    }

    // MARK: Security invariants

    /// What holds for every lease Pod whatever the lease says.
    func testSecurityInvariantsHoldForEveryLease() throws {
        let workloads = [
            try F.cpuWorkload, try F.gpuWorkload, try F.batchWorkload,
            try F.build(F.cpuLease, provider: F.provider(serviceType: .loadBalancer, runtimeClassName: "gvisor")),
        ]
        for workload in workloads {
            let spec = try XCTUnwrap(workload.podTemplate.spec)
            XCTAssertEqual(spec.automountServiceAccountToken, false)
            XCTAssertEqual(spec.enableServiceLinks, false)
            XCTAssertEqual(spec.hostNetwork, false)
            XCTAssertEqual(spec.hostPID, false)
            XCTAssertEqual(spec.hostIPC, false)
            XCTAssertNil(spec.volumes, "no volumes, so no hostPath")
            XCTAssertEqual(spec.securityContext?.seccompProfile, SeccompProfile(type: "RuntimeDefault"))
            XCTAssertNil(spec.securityContext?.runAsNonRoot, "the image decides, unless the provider requires non-root")
            XCTAssertNil(spec.securityContext?.runAsUser)
            XCTAssertNil(spec.securityContext?.fsGroup)
            XCTAssertEqual(spec.containers.count, 1)
            for container in spec.containers {
                let context = try XCTUnwrap(container.securityContext)
                XCTAssertEqual(context.allowPrivilegeEscalation, false)
                XCTAssertEqual(context.privileged, false)
                XCTAssertEqual(context.capabilities, SecurityContext.Capabilities(add: nil, drop: ["ALL"]))
                XCTAssertEqual(context.seccompProfile, SeccompProfile(type: "RuntimeDefault"))
                XCTAssertNil(context.runAsNonRoot)
                XCTAssertNil(context.runAsUser)
                XCTAssertNil(context.readOnlyRootFilesystem)
                XCTAssertEqual(container.resources?.requests, container.resources?.limits, "Guaranteed QoS")
            }
        }
    }

    func testRequiringNonRootSetsItOnPodAndContainer() throws {
        let workload = try LeaseWorkloadBuilder.build(
            lease: F.gpuLease, provider: F.provider(), envSecretData: [:], security: WorkloadSecurity(requireNonRoot: true))
        XCTAssertEqual(workload.podTemplate.spec?.securityContext?.runAsNonRoot, true)
        XCTAssertEqual(workload.podTemplate.spec?.containers.first?.securityContext?.runAsNonRoot, true)
        XCTAssertEqual(workload.podTemplate.spec?.containers.first?.securityContext?.capabilities?.drop, ["ALL"])
    }

    func testSecurityContextAsJSON() throws {
        let container = try XCTUnwrap(F.cpuWorkload.podTemplate.spec?.containers.first)
        XCTAssertEqual(try F.json(container.securityContext), #"{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"#
            + #""privileged":false,"seccompProfile":{"type":"RuntimeDefault"}}"#)
    }

    /// The whole Job as the apiserver receives it, so no field can appear unnoticed.
    func testBatchJobAsJSON() throws {
        let job = try F.batchWorkload.job
        let owner = #"{"apiVersion":"ncn.dev/v1alpha1","blockOwnerDeletion":true,"controller":true,"kind":"ComputeLease","#
            + #""name":"lease-b6f6f5ef1d4b3c9e8f0a","uid":"0f9e3a52-6b7c-4d1e-9a2b-3c4d5e6f7a8b"}"#
        let labels = #"{"app.kubernetes.io/component":"workload","#
            + #""app.kubernetes.io/managed-by":"ncn-operator","ncn.dev/lease":"lease-b6f6f5ef1d4b3c9e8f0a","#
            + #""ncn.dev/tenant":"3bf0c63fcb934634"}"#
        let expected = #"{"apiVersion":"batch/v1","kind":"Job","metadata":{"annotations":{"ncn.dev/armed-deadline-seconds":"600"},"#
            + #""labels":"# + labels + #","#
            + #""name":"workload","namespace":"ncn-lease-lease-b6f6f5ef1d4b3c9e8f0a","#
            + #""ownerReferences":["# + owner + #"]},"#
            + #""spec":{"activeDeadlineSeconds":600,"backoffLimit":0,"completions":1,"parallelism":1,"#
            + #""template":{"metadata":{"labels":"# + labels + #"},"#
            + #""spec":{"activeDeadlineSeconds":600,"affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":"#
            + #"[{"preference":{"matchExpressions":[{"key":"nvidia.com/gpu.product","operator":"DoesNotExist"}]},"weight":100}]}},"#
            + #""automountServiceAccountToken":false,"containers":[{"command":["sh","-c","echo done"],"image":"busybox","imagePullPolicy":"Always","name":"main","#
            + #""resources":{"limits":{"cpu":"1","memory":"256Mi"},"requests":{"cpu":"1","memory":"256Mi"}},"#
            + #""securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"privileged":false,"#
            + #""seccompProfile":{"type":"RuntimeDefault"}}}],"enableServiceLinks":false,"hostIPC":false,"hostNetwork":false,"#
            + #""hostPID":false,"restartPolicy":"Never","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}}}}}"#
        XCTAssertEqual(try F.json(job), expected)
    }
}
