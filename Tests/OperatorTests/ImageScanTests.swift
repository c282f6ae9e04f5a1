import ComputeAPI
import Foundation
import KubeClient
@testable import Operator
import XCTest

/// The image-scanning hook's pure parts: a denial ends the lease with PolicyViolation and says
/// there is no refund, an allowed image runs pinned to its scanned digest, and the registry's
/// answers are read strictly.
final class ImageScanTests: XCTestCase {
    private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    private let digest = "sha256:" + String(repeating: "ab", count: 32)

    func testADeniedImageEndsThePaidLeaseWithPolicyViolationAndNoRefund() {
        var lease = paidFixture(since: t0, until: t0.addingTimeInterval(600))
        lease.status?.imageScan = LeaseImageScan(image: "docker.io/library/busybox@\(digest)", verdict: .denied,
                                                 reason: "ClamAV: eicar.com: Eicar-Test-Signature FOUND", scannedAt: Timestamp(t0))
        guard case let .end(phase, reason, message, _) = LeaseLifecycle.decide(lease, workload: WorkloadObservation(), now: t0) else {
            return XCTFail("a denied lease must end")
        }
        XCTAssertEqual(phase, .terminated)
        XCTAssertEqual(reason, .policyViolation)
        XCTAssertTrue(message.contains("Eicar-Test-Signature FOUND") && message.contains("not refunded"), message)
        lease.status?.imageScan?.verdict = .allowed
        XCTAssertEqual(LeaseLifecycle.decide(lease, workload: WorkloadObservation(), now: t0), .run)
    }

    func testAnAllowedImageRunsPinnedToTheDigestThatWasScanned() throws {
        var lease = WorkloadFixtures.cpuLease
        let asked = try WorkloadFixtures.build(lease).job.spec?.template.spec?.containers.first?.image
        XCTAssertEqual(asked, lease.spec.image)
        let pinned = "ghcr.io/nostr-compute/echo@\(digest)"
        var status = lease.status ?? ComputeLeaseStatus()
        status.imageScan = LeaseImageScan(image: pinned, verdict: .allowed, scannedAt: Timestamp(t0))
        lease.status = status
        XCTAssertEqual(try WorkloadFixtures.build(lease).job.spec?.template.spec?.containers.first?.image, pinned)
    }

    func testTheRegistrysChallengeAndDigestAreReadStrictly() {
        let parameters = RegistryDigestResolver.challengeParameters(
            #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#)
        XCTAssertEqual(parameters, ["realm": "https://auth.docker.io/token", "service": "registry.docker.io",
                                    "scope": "repository:library/busybox:pull"])
        XCTAssertTrue(RegistryDigestResolver.isDigest(digest))
        XCTAssertFalse(RegistryDigestResolver.isDigest("sha256:" + String(repeating: "AB", count: 32)))
        XCTAssertFalse(RegistryDigestResolver.isDigest("sha512:" + String(repeating: "ab", count: 64)))
    }

    func testImageReferencesAreSplitAsTheRuntimeReadsThem() {
        XCTAssertEqual(ImageReference("busybox"), ImageReference(repository: "docker.io/library/busybox", tag: nil, digest: nil))
        XCTAssertEqual(ImageReference("127.0.0.1:15001/ncn/http-echo:latest"),
                       ImageReference(repository: "127.0.0.1:15001/ncn/http-echo", tag: "latest", digest: nil))
        XCTAssertEqual(ImageReference("ghcr.io/org/app:1@\(digest)"), ImageReference(repository: "ghcr.io/org/app", tag: "1", digest: digest))
    }

    func testAPinnedImageIsNotLookedUpAtItsRegistry() async throws {
        let resolver = RegistryDigestResolver(http: .shared, plainHTTP: [])
        let pinned = try await resolver.resolve("unreachable.invalid/org/app@\(digest)")
        XCTAssertEqual(pinned, "unreachable.invalid/org/app@\(digest)")
        do {
            _ = try await resolver.resolve("unreachable.invalid/org/app@sha256:short")
            XCTFail("a malformed digest must be refused")
        } catch let error as ImageScanError {
            XCTAssertTrue(error.isPermanent)
        }
    }
}
