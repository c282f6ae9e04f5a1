import KubeClient
@testable import Operator
import XCTest

final class AppliedChildrenTests: XCTestCase {
    let quota = AppliedChildren.Child(namespace: "lease-ns", kind: .resourceQuota, name: "quota")

    func testAChildIsAppliedAgainOnlyWhenItOrWhatWeWantChanged() {
        let applied = AppliedChildren()
        let desired = AppliedChildren.fingerprint(["cpu": "1"])
        XCTAssertTrue(applied.needsApply(quota, desired: desired, cachedVersion: nil), "not in the cache: apply")
        XCTAssertTrue(applied.needsApply(quota, desired: desired, cachedVersion: "7"), "never applied by this process: apply")
        applied.record(quota, desired: desired, resourceVersion: "7")
        XCTAssertFalse(applied.needsApply(quota, desired: desired, cachedVersion: "7"), "as we left it")
        XCTAssertTrue(applied.needsApply(quota, desired: desired, cachedVersion: "6"), "the cache has not seen our apply yet")
        XCTAssertTrue(applied.needsApply(quota, desired: desired, cachedVersion: "9"), "edited by someone else since")
        XCTAssertTrue(applied.needsApply(quota, desired: desired, cachedVersion: nil), "deleted since")
        XCTAssertTrue(applied.needsApply(quota, desired: AppliedChildren.fingerprint(["cpu": "2"]), cachedVersion: "7"), "we want something else now")
        applied.record(quota, desired: desired, resourceVersion: nil)
        XCTAssertTrue(applied.needsApply(quota, desired: desired, cachedVersion: "7"), "a record cleared (the quota recreated)")
    }

    func testTheFingerprintIsTheObjectsContentWhateverTheKeyOrder() {
        XCTAssertEqual(AppliedChildren.fingerprint(["a": "1", "b": "2"]), AppliedChildren.fingerprint(["b": "2", "a": "1"]))
        XCTAssertNotEqual(AppliedChildren.fingerprint(["a": "1"]), AppliedChildren.fingerprint(["a": "2"]))
    }

    func testAnEndedLeasesRecordsGo() {
        let applied = AppliedChildren()
        let desired = AppliedChildren.fingerprint(["x": "y"])
        applied.record(quota, desired: desired, resourceVersion: "1")
        applied.record(.init(namespace: "lease-ns", kind: .namespace, name: "lease-ns"), desired: desired, resourceVersion: "2")
        applied.record(.init(namespace: "other", kind: .limitRange, name: "limits"), desired: desired, resourceVersion: "3")
        applied.forget(namespace: "lease-ns")
        XCTAssertEqual(applied.count, 1)
    }
}
