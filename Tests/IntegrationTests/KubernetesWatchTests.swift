import Foundation
@testable import KubeClient
import Synchronization
import XCTest

/// The watcher against the real apiserver: live events, 410 Gone after etcd compaction, and an apiserver restart.
final class KubernetesWatchTests: XCTestCase {
    /// New namespaces get a kube-root-ca.crt ConfigMap; the tests watch only their own objects.
    private static let selector = "ncn.test=watch"

    private func meta(_ name: String, _ ns: String) -> ObjectMeta {
        ObjectMeta(name: name, namespace: ns, labels: ["ncn.test": "watch"])
    }

    private func names(_ events: [WatcherEvent<ConfigMap>]) -> [String] {
        events.map { event in
            switch event {
            case let .restarted(objects): return "restarted:" + objects.compactMap(\.metadata.name).sorted().joined(separator: ",")
            case let .applied(object): return "applied:\(object.metadata.name ?? "")=\(object.data?["v"] ?? "")"
            case let .deleted(object): return "deleted:\(object.metadata.name ?? "")"
            }
        }
    }

    func testDeliversCreateUpdateDeleteLive() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { ns in
                _ = try await client.create(ConfigMap(metadata: meta("before", ns), data: ["v": "0"]))
                let watcher = client.watcher(ConfigMap.self, options: .init(namespace: ns, labelSelector: Self.selector))
                try await withRecordedWatch({ watcher.makeAsyncIterator() }) { recorder in
                    var events = try await recorder.wait { $0.count >= 1 }
                    XCTAssertEqual(names(events), ["restarted:before"])

                    var created = try await client.create(ConfigMap(metadata: meta("live", ns), data: ["v": "1"]))
                    created.data = ["v": "2"]
                    _ = try await client.replace(created)
                    try await client.delete(ConfigMap.self, name: "live", namespace: ns)
                    events = try await recorder.wait { $0.count >= 4 }
                    XCTAssertEqual(names(events), ["restarted:before", "applied:live=1", "applied:live=2", "deleted:live"])
                }
            }
        }
    }

    func testResumingFromACompactedVersionRelistsWithoutMissingAnything() async throws {
        let bed = try TestBed.load()
        let etcd = try bed.require("NCN_ETCD_URL")
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { ns in
                let old = try await client.list(ConfigMap.self, namespace: ns).metadata.resourceVersion ?? "0"
                for index in 0..<3 {
                    _ = try await client.create(ConfigMap(metadata: meta("missed-\(index)", ns), data: ["v": "\(index)"]))
                }
                // Compact etcd at its current revision: nothing older can be watched any more.
                let status = try bed.run("/usr/bin/etcdctl", ["--endpoints", etcd, "endpoint", "status", "-w", "json"],
                                         environment: ["ETCDCTL_API": "3"])
                let revision = try XCTUnwrap(status.firstMatch(of: /"revision":(\d+)/)?.1)
                _ = try bed.run("/usr/bin/etcdctl", ["--endpoints", etcd, "compact", String(revision)], environment: ["ETCDCTL_API": "3"])
                // Restart the apiserver so its watch cache cannot serve the old version either.
                try bed.testbed("stop", "kube-apiserver")
                try bed.testbed("start", "kube-apiserver")

                let failures = Counter()
                let relists = Counter()
                let watcher = client.watcher(
                    ConfigMap.self, options: .init(namespace: ns, labelSelector: Self.selector),
                    observer: .init(relisted: { _ in relists.increment() }, failed: { _ in failures.increment() }))
                try await withRecordedWatch({ watcher.makeAsyncIterator(resumingAt: old) }) { recorder in
                    let events = try await recorder.wait { $0.contains { if case .restarted = $0 { true } else { false } } }
                    XCTAssertEqual(names(events), ["restarted:missed-0,missed-1,missed-2"])
                }
                XCTAssertGreaterThanOrEqual(failures.value, 1, "the stale version must have been refused (410)")
                XCTAssertEqual(relists.value, 1)
            }
        }
    }

    func testSurvivesAnApiserverRestartMidWatch() async throws {
        let bed = try TestBed.load()
        try await bed.withKubernetes { client in
            try await client.withScratchNamespace { ns in
                var options = Watcher<ConfigMap>.Options(namespace: ns, labelSelector: Self.selector)
                options.backoff = .milliseconds(200)
                options.maximumBackoff = .seconds(2)
                let watcher = client.watcher(ConfigMap.self, options: options)
                try await withRecordedWatch({ watcher.makeAsyncIterator() }) { recorder in
                    try await recorder.wait { $0.count >= 1 }
                    try bed.testbed("stop", "kube-apiserver")
                    try bed.testbed("start", "kube-apiserver")
                    _ = try await client.create(ConfigMap(metadata: meta("after-restart", ns), data: ["v": "1"]))
                    let events = try await recorder.wait(timeout: .seconds(60)) { events in
                        self.names(events).contains { $0 == "applied:after-restart=1" || ($0.hasPrefix("restarted:") && $0.contains("after-restart")) }
                    }
                    XCTAssertTrue(names(events).contains { $0.contains("after-restart") }, "\(names(events))")
                }
            }
        }
    }
}

final class Counter: Sendable {
    private let storage = Mutex(0)
    func increment() { storage.withLock { $0 += 1 } }
    var value: Int { storage.withLock { $0 } }
}
