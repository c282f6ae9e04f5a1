@testable import KubeClient
import XCTest

final class WatcherStateMachineTests: XCTestCase {
    private func machine() -> WatcherStateMachine {
        WatcherStateMachine(backoff: Backoff(initial: .seconds(1), maximum: .seconds(8), jitter: { 1.0 }))
    }

    func testListsPageByPageThenWatchesFromTheListVersion() {
        var m = machine()
        XCTAssertEqual(m.nextAction, .list(continueToken: nil))
        XCTAssertFalse(m.listPageReceived(resourceVersion: "10", continueToken: "page2"))
        XCTAssertEqual(m.nextAction, .list(continueToken: "page2"))
        XCTAssertTrue(m.listPageReceived(resourceVersion: "12", continueToken: nil))
        XCTAssertEqual(m.nextAction, .watch(resourceVersion: "12"))
    }

    func testEventsAndBookmarksAdvanceTheResumePoint() {
        var m = machine()
        _ = m.listPageReceived(resourceVersion: "5", continueToken: nil)
        m.progressed(to: "7")
        m.progressed(to: nil)
        XCTAssertEqual(m.watchEnded(), .watch(resourceVersion: "7"))
    }

    func testGoneRelistsFromScratch() {
        var m = machine()
        _ = m.listPageReceived(resourceVersion: "5", continueToken: nil)
        XCTAssertEqual(m.failed(gone: true), .list(continueToken: nil))
        XCTAssertEqual(m.nextAction, .list(continueToken: nil))
    }

    func testTransportErrorsBackOffExponentiallyUpToTheCapAndResetOnProgress() {
        var m = machine()
        _ = m.listPageReceived(resourceVersion: "5", continueToken: nil)
        let delays = (0..<6).map { _ -> Duration in
            guard case let .backoff(delay, then) = m.failed(gone: false) else { XCTFail(); return .zero }
            XCTAssertEqual(then, .watch(resourceVersion: "5"))
            return delay
        }
        XCTAssertEqual(delays, [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        m.progressed(to: "6")
        XCTAssertEqual(m.failed(gone: false), .backoff(.seconds(1), then: .watch(resourceVersion: "6")))
    }

    func testAFailedListPageRestartsTheListBecauseTokensExpire() {
        var m = machine()
        _ = m.listPageReceived(resourceVersion: "5", continueToken: "t")
        XCTAssertEqual(m.failed(gone: false), .backoff(.seconds(1), then: .list))
        XCTAssertEqual(m.nextAction, .list(continueToken: nil))
    }

    func testJitterScalesTheDelay() {
        var backoff = Backoff(initial: .seconds(2), maximum: .seconds(60), jitter: { 0.5 })
        XCTAssertEqual(backoff.next(), .seconds(1))
        XCTAssertEqual(backoff.next(), .seconds(2))
    }
}

final class WatchStreamDecodingTests: XCTestCase {
    func testLinesSplitAcrossChunksAreReassembled() throws {
        var splitter = LineSplitter()
        let stream = Array(#"{"type":"ADDED"}"#.utf8) + [10] + Array(#"{"type":"DEL"#.utf8)
        var lines = try splitter.append(stream[0..<5])
        lines += try splitter.append(stream[5...])
        XCTAssertEqual(lines.map { String(decoding: $0, as: UTF8.self) }, [#"{"type":"ADDED"}"#])
        lines = try splitter.append(Array(#"ETED"}"#.utf8) + [10, 10])
        XCTAssertEqual(lines.map { String(decoding: $0, as: UTF8.self) }, [#"{"type":"DELETED"}"#])
        XCTAssertNil(splitter.finish())
    }

    func testOverlongLinesAreRefused() {
        var splitter = LineSplitter(maximumLineLength: 4)
        XCTAssertThrowsError(try splitter.append(Array("12345".utf8)))
    }

    func testFramesDecode() throws {
        let added = #"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"3"}}}"#
        guard case let .added(ns) = try WatchFrame<Namespace>.decode(Array(added.utf8)) else { return XCTFail() }
        XCTAssertEqual(ns.metadata.name, "a")
        let bookmark = #"{"type":"BOOKMARK","object":{"kind":"Namespace","metadata":{"resourceVersion":"99"}}}"#
        guard case .bookmark("99") = try WatchFrame<Namespace>.decode(Array(bookmark.utf8)) else { return XCTFail() }
        let gone = #"{"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#
        guard case let .error(status) = try WatchFrame<Namespace>.decode(Array(gone.utf8)) else { return XCTFail() }
        XCTAssertEqual(status.code, 410)
        XCTAssertTrue(KubernetesError(statusCode: 410, status: status, method: "WATCH", path: "/").isGone)
        XCTAssertThrowsError(try WatchFrame<Namespace>.decode(Array("{}".utf8)))
        XCTAssertThrowsError(try WatchFrame<Namespace>.decode(Array(#"{"type":"ADDED","object":5}"#.utf8)))
        XCTAssertThrowsError(try WatchFrame<Namespace>.decode(Array(#"{"type":"WHAT","object":{}}"#.utf8)))
    }
}

final class StoreTests: XCTestCase {
    private func ns(_ name: String, _ rv: String = "1") -> Namespace {
        var meta = ObjectMeta(name: name)
        meta.resourceVersion = rv
        return Namespace(metadata: meta)
    }

    func testRestartReplacesEverythingAndReportsVanishedKeys() async {
        let store = Store<Namespace>()
        XCTAssertFalse(store.isSynced)
        store.apply(.restarted([ns("a"), ns("b")]))
        XCTAssertTrue(store.isSynced)
        await store.waitUntilSynced()
        store.apply(.applied(ns("c")))
        let changed = store.apply(.restarted([ns("a", "2")]))
        XCTAssertEqual(Set(changed.map(\.name)), ["a", "b", "c"])
        XCTAssertEqual(store.keys.map(\.name), ["a"])
        XCTAssertEqual(store.get(ObjectKey(name: "a"))?.metadata.resourceVersion, "2")
        store.apply(.deleted(ns("a")))
        XCTAssertTrue(store.all.isEmpty)
    }

    func testObjectsAreListedByNamespaceThroughEveryKindOfEvent() {
        func secret(_ namespace: String, _ name: String) -> Secret { Secret(metadata: ObjectMeta(name: name, namespace: namespace)) }
        let store = Store<Secret>()
        store.apply(.restarted([secret("a", "1"), secret("a", "2"), secret("b", "1")]))
        XCTAssertEqual(Set(store.list(namespace: "a").compactMap(\.metadata.name)), ["1", "2"])
        store.apply(.applied(secret("b", "2")))
        store.apply(.deleted(secret("a", "1")))
        XCTAssertEqual(store.list(namespace: "a").compactMap(\.metadata.name), ["2"])
        XCTAssertEqual(store.list(namespace: "b").count, 2)
        store.apply(.restarted([secret("c", "1")]))
        XCTAssertTrue(store.list(namespace: "a").isEmpty, "a relist forgets what vanished")
        XCTAssertEqual(store.list(namespace: "c").count, 1)
    }

    func testWaitersWakeOnFirstSync() async {
        let store = Store<Namespace>()
        async let waited: Void = store.waitUntilSynced()
        try? await Task.sleep(for: .milliseconds(50))
        store.apply(.restarted([]))
        await waited
        XCTAssertTrue(store.isSynced)
    }
}
