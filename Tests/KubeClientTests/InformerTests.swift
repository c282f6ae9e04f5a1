import Foundation
import KubeClient
import Testing

@Suite struct InformerTests {
    private func pod(_ name: String, version: String, namespace: String = "ns") -> Pod {
        var metadata = ObjectMeta(name: name, namespace: namespace)
        metadata.resourceVersion = version
        return Pod(metadata: metadata)
    }

    @Test func aSubscriberJoiningLateGetsTheWholeStoreFirst() async throws {
        let informer = Informer<Pod>()
        informer.feed(.restarted([pod("a", version: "1"), pod("b", version: "1")]))
        var updates = informer.updates().makeAsyncIterator()
        let first = try #require(try await updates.next())
        guard case let .restarted(objects) = first.event else { Issue.record("expected the store as a restart"); return }
        #expect(Set(objects.compactMap(\.metadata.name)) == ["a", "b"])
        #expect(Set(first.changed.map(\.name)) == ["a", "b"])
        informer.feed(.applied(pod("a", version: "2")))
        let second = try #require(try await updates.next())
        #expect(second.changed == [ObjectKey(namespace: "ns", name: "a")])
    }

    @Test func everySubscriberSeesEachEventOnceAndTheStoreIsWrittenOnce() async throws {
        let informer = Informer<Pod>()
        var one = informer.updates().makeAsyncIterator()
        var two = informer.events().makeAsyncIterator()
        #expect(informer.subscriberCount == 2)
        informer.feed(.restarted([pod("a", version: "1")]))
        informer.feed(.deleted(pod("a", version: "1")))
        #expect(try await one.next()?.changed.map(\.name) == ["a"])
        #expect(try await one.next()?.changed.map(\.name) == ["a"])
        guard case .restarted = try await two.next() else { Issue.record("expected the list"); return }
        guard case .deleted = try await two.next() else { Issue.record("expected the deletion"); return }
        #expect(informer.store.all.isEmpty)
        #expect(informer.store.isSynced)
    }

    @Test func aRelistWakesOnlyWhatMoved() {
        let store = Store<Pod>()
        store.apply(.restarted([pod("same", version: "1"), pod("moved", version: "1"), pod("gone", version: "1")]))
        let changed = store.apply(.restarted([pod("same", version: "1"), pod("moved", version: "2"), pod("new", version: "1")]))
        #expect(Set(changed.map(\.name)) == ["moved", "gone", "new"])
    }

    @Test func aResetStoreIsEmptyAndUnsyncedUntilTheNextList() {
        let store = Store<Pod>()
        store.apply(.restarted([pod("a", version: "1")]))
        store.reset()
        #expect(store.all.isEmpty)
        #expect(!store.isSynced)
    }

    @Test func oneInformerPerKindAndSelector() async throws {
        let client = try KubernetesClient(connection: ClusterConnection(
            server: URL(string: "https://127.0.0.1:1")!, certificateAuthorityPEM: nil, credentials: .none))
        let informers = SharedInformers(client: client)
        let leasePods = informers.informer(Pod.self, options: .init(labelSelector: "ncn.dev/lease"))
        #expect(informers.informer(Pod.self, options: .init(labelSelector: "ncn.dev/lease")) === leasePods)
        #expect(informers.informer(Pod.self) !== leasePods)
        #expect(informers.informer(MetadataOnly<Pod>.self, options: .init(labelSelector: "ncn.dev/lease")) !== informers.informer(Pod.self))
        #expect(informers.informer(Pod.self, options: .init(labelSelector: "ncn.dev/lease", trim: .identity)) !== leasePods,
                "a trimmed cache is another cache")
        #expect(informers.keys.count == 4)
        #expect(!leasePods.isWatching)
        try await client.shutdown()
    }

    @Test func aTrimmedInformerStoresAndDeliversOnlyWhatTheTrimKeeps() async throws {
        let informer = Informer<MetadataOnly<Pod>>(options: .init(trim: .identity))
        let updates = informer.updates()
        var pod = MetadataOnly<Pod>(metadata: pod("a", version: "7").metadata)
        pod.metadata.uid = "u-1"
        pod.metadata.labels = ["ncn.dev/lease": "x"]
        pod.metadata.annotations = ["note": String(repeating: "n", count: 100)]
        pod.metadata.deletionTimestamp = "2026-12-06T00:00:00Z"
        informer.feed(.restarted([pod]))
        let cached = try #require(informer.store.get(ObjectKey(namespace: "ns", name: "a")))
        #expect(cached.metadata.uid == "u-1")
        #expect(cached.metadata.resourceVersion == "7")
        #expect(cached.metadata.deletionTimestamp == "2026-12-06T00:00:00Z")
        #expect(cached.metadata.labels == nil && cached.metadata.annotations == nil)
        var iterator = updates.makeAsyncIterator()
        guard case let .restarted(delivered)? = try await iterator.next()?.event else {
            Issue.record("no restart delivered")
            return
        }
        #expect(delivered == [cached])
    }
}
