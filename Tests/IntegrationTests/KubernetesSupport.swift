import Foundation
@testable import KubeClient
import Synchronization
import XCTest

extension TestBed {
    /// A client with the admin kubeconfig, shut down after `body` whatever happens.
    func withKubernetes<T>(_ body: (KubernetesClient) async throws -> T) async throws -> T {
        let client = try KubernetesClient(connection: .kubeconfig(path: try require("NCN_KUBECONFIG")))
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

extension KubernetesClient {
    /// A fresh namespace for one test, deleted afterwards.
    func withScratchNamespace<T>(_ body: (String) async throws -> T) async throws -> T {
        let name = "ncn-it-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await create(Namespace(metadata: ObjectMeta(name: name)))
        do {
            let result = try await body(name)
            try? await delete(Namespace.self, name: name)
            return result
        } catch {
            try? await delete(Namespace.self, name: name)
            throw error
        }
    }
}

/// Runs a watcher in a child task for the duration of `body`, recording every event, so a
/// test can wait for what it expects with a deadline even when the stream goes quiet.
final class WatchRecorder<R: KubernetesResource>: Sendable {
    private let events = Mutex<[WatcherEvent<R>]>([])

    var recorded: [WatcherEvent<R>] { events.withLock { $0 } }

    func record(_ event: WatcherEvent<R>) { events.withLock { $0.append(event) } }

    /// Polls until the recorded events satisfy `done`; returns them either way.
    @discardableResult
    func wait(timeout: Duration = .seconds(20), until done: ([WatcherEvent<R>]) -> Bool) async throws -> [WatcherEvent<R>] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let now = recorded
            if done(now) { return now }
            try await Task.sleep(for: .milliseconds(50))
        }
        return recorded
    }
}

func withRecordedWatch<R: KubernetesResource, T: Sendable>(
    _ makeIterator: @escaping @Sendable () -> Watcher<R>.Iterator,
    _ body: (WatchRecorder<R>) async throws -> T
) async throws -> T {
    let recorder = WatchRecorder<R>()
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            var iterator = makeIterator()
            while let event = try await iterator.next() { recorder.record(event) }
        }
        defer { group.cancelAll() }
        return try await body(recorder)
    }
}

extension WatcherEvent {
    var label: String {
        switch self {
        case let .restarted(objects): return "restarted(\(objects.count))"
        case .applied: return "applied"
        case .deleted: return "deleted"
        }
    }
}

extension KubernetesClient {
    /// The token the controller-manager minted for a ServiceAccount (Kubernetes 1.20 keeps it in a Secret).
    func serviceAccountToken(_ account: String, namespace: String) async throws -> String {
        for _ in 0..<60 {
            let token = try await list(Secret.self, namespace: namespace).items.first {
                $0.type == "kubernetes.io/service-account-token" && $0.metadata.annotations?["kubernetes.io/service-account.name"] == account
            }?.value("token").map { String(decoding: $0, as: UTF8.self) }
            if let token { return token }
            try await Task.sleep(for: .milliseconds(500))
        }
        XCTFail("the controller-manager never minted a token for \(namespace)/\(account)")
        throw CancellationError()
    }
}

/// A pod asking for 2 GPUs of `model`, tolerating `taintKey`, for fake GPU nodes (no kubelet).
func gpuPod(_ namespace: String, model: String, taintKey: String) -> Pod {
    var container = Container(name: "main", image: "busybox:1.36")
    container.command = ["sleep", "3600"]
    container.resources = ResourceRequirements(
        requests: ["cpu": "1", "memory": "1Gi"], limits: ["cpu": "1", "memory": "1Gi", "nvidia.com/gpu": "2"])
    var spec = PodSpec(containers: [container])
    spec.nodeSelector = ["nvidia.com/gpu.product": model]
    spec.tolerations = [Toleration(key: taintKey, operator: "Exists", effect: "NoSchedule")]
    spec.automountServiceAccountToken = false
    // No kubelet runs on fake nodes to confirm a graceful stop: delete at once.
    spec.terminationGracePeriodSeconds = 0
    return Pod(metadata: ObjectMeta(name: "gpu-job", namespace: namespace), spec: spec)
}

/// Creates a pod, retrying while a fresh namespace's default ServiceAccount does not exist yet.
func createPod(_ client: KubernetesClient, _ pod: Pod) async throws -> Pod {
    let deadline = ContinuousClock.now + .seconds(15)
    while true {
        do {
            return try await client.create(pod)
        } catch let error as KubernetesError where "\(error)".contains("serviceaccount") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
