import NostrBridge
import XCTest
import KubeQuantity

final class ComputeRequestTests: XCTestCase {
    typealias F = ComputeFixtures

    private func request(_ event: NostrEvent, key: SecretKey? = F.provider) throws -> ComputeRequest {
        guard case .request(let request) = try ComputeRequest.parse(event, key: key) else {
            XCTFail("expected a compute request")
            throw XCTSkip()
        }
        return request
    }

    func testPlainGPURequest() throws {
        let event = F.plainRequest(F.gpuRequestTags)
        let request = try request(event, key: nil)
        XCTAssertEqual(request.id, event.id)
        XCTAssertEqual(request.tenant, F.tenant.publicKey.hex)
        XCTAssertEqual(request.image, "ghcr.io/example/llm-server:1.4.2")
        XCTAssertEqual(request.resources, ComputeResources(cpu: "4", memory: "16Gi", cpuMillicores: 4_000, memoryBytes: 16 << 30, gpus: 1, gpuModel: F.gpuModel,
                                                           disk: "50Gi", diskBytes: 50 << 30))
        XCTAssertNil(request.command)
        XCTAssertEqual(request.args, ["--port", "8080", "--model", "/models/llama-3-8b"])
        XCTAssertEqual(request.env, [ComputeEnvVar(name: "LOG_LEVEL", value: "info")])
        XCTAssertEqual(request.secretEnv, [])
        XCTAssertEqual(request.ports, [ComputePort(port: 8080, protocol: .tcp, name: "http"), ComputePort(port: 2222, protocol: .tcp, name: "ssh")])
        XCTAssertEqual(request.durationSeconds, 3600)
        XCTAssertEqual(request.bidMsats, 2_500_000)
        XCTAssertEqual(request.rail, .lightning)
        XCTAssertEqual(request.relays, F.relays)
        XCTAssertEqual(request.providers, [F.provider.publicKey.hex])
        XCTAssertTrue(request.addresses(F.provider.publicKey.hex))
        XCTAssertFalse(request.addresses(F.other.publicKey.hex))
        XCTAssertEqual(request.expiration, F.t0 + 3600)
        XCTAssertNil(request.encryption)
        XCTAssertEqual(request.replyContext(), ComputeReplyContext(requestID: event.id, tenant: F.tenant.publicKey.hex))
    }

    func testMinimalRequestDefaults() throws {
        let request = try request(F.plainRequest(F.minimalTags))
        XCTAssertEqual(request.resources.gpus, 0)
        XCTAssertNil(request.resources.gpuModel)
        XCTAssertNil(request.resources.disk, "no disk param: the provider's default-disk applies")
        XCTAssertNil(request.resources.diskBytes)
        XCTAssertEqual(request.ports, [])
        XCTAssertEqual(request.relays, [])
        XCTAssertEqual(request.providers, [])
        XCTAssertTrue(request.addresses(F.other.publicKey.hex), "an open request addresses every provider")
        XCTAssertEqual(request.rail, .lightning)
    }

    func testEncryptedNIP44RequestCarriesSecretsAndToken() throws {
        let event = F.encryptedRequest(F.cashuRequestHidden, scheme: .nip44, publicTags: [["expiration", String(F.t0 + 60)]])
        XCTAssertFalse(event.content.contains("postgres"))
        let request = try request(event)
        XCTAssertEqual(request.encryption, .nip44)
        XCTAssertEqual(request.image, "docker.io/library/postgres:16")
        XCTAssertEqual(request.resources.cpuMillicores, 500)
        XCTAssertEqual(request.resources.memoryBytes, 1 << 30)
        XCTAssertEqual(request.env, [ComputeEnvVar(name: "POSTGRES_DB", value: "app")])
        XCTAssertEqual(request.secretEnv, [ComputeEnvVar(name: "POSTGRES_PASSWORD", value: "correct horse battery staple")])
        XCTAssertEqual(request.cashuTokens, [F.cashuToken])
        XCTAssertEqual(request.rail, .cashu)
        XCTAssertEqual(request.bidMsats, 200_000)
        XCTAssertEqual(request.relays, ["wss://relay.damus.io"])
        XCTAssertEqual(request.expiration, F.t0 + 60)
        XCTAssertEqual(request.replyContext().encryption, .nip44)
        // The tenant can read its own request with its own key.
        XCTAssertEqual(try self.request(event, key: F.tenant), request)
    }

    func testEncryptedNIP04Request() throws {
        let event = F.encryptedRequest(F.batchRequestHidden, scheme: .nip04)
        XCTAssertTrue(event.content.contains("?iv="))
        let request = try request(event)
        XCTAssertEqual(request.encryption, .nip04)
        XCTAssertEqual(request.command, ["/bin/sh", "-c", "make test"])
        XCTAssertEqual(request.bidMsats, 300_000)
    }

    func testPublicAndSealedTagsAreReadTogether() throws {
        // bid stays public, the spec is sealed.
        let hidden = F.minimalTags.filter { $0.first != "bid" }
        let request = try request(F.encryptedRequest(hidden, scheme: .nip44, publicTags: [["bid", "777"]]))
        XCTAssertEqual(request.bidMsats, 777)
        // A p tag inside the content does not redirect anything.
        let sneaky = try self.request(F.encryptedRequest(F.minimalTags + [["p", F.other.publicKey.hex]], scheme: .nip44))
        XCTAssertEqual(sneaky.providers, [F.provider.publicKey.hex])
    }

    func testEncryptedToSomeoneElseOrWithoutKeyIsNotOurs() throws {
        let event = F.encryptedRequest(F.minimalTags, scheme: .nip44)
        XCTAssertEqual(try ComputeRequest.parse(event, key: F.other), .notCompute)
        XCTAssertEqual(try ComputeRequest.parse(event, key: nil), .notCompute)
    }

    func testTimestampingDVMRequestIsNotCompute() throws {
        let stamp = F.sign(5900, [["i", "9f2c1e7a5b3d8f4e6a0c2b1d3e5f7a9c8b6d4f2e0a1c3b5d7f9e8c6a4b2d0f1e", "text"]], by: F.other, at: F.t0)
        XCTAssertEqual(try ComputeRequest.parse(stamp, key: F.provider), .notCompute)
        // Even with NIP-90 extras and unrelated params.
        let withExtras = F.sign(5900, [["i", "abc", "event", "wss://relay.damus.io"], ["param", "hash", "sha256"], ["bid", "1000"], ["output", "text/plain"]],
                                by: F.other, at: F.t0)
        XCTAssertEqual(try ComputeRequest.parse(withExtras, key: F.provider), .notCompute)
        // An encrypted one addressed to us that hides no compute params is not ours either.
        let sealedStamp = F.encryptedRequest([["i", "abc", "text"]], scheme: .nip44)
        XCTAssertEqual(try ComputeRequest.parse(sealedStamp, key: F.provider), .notCompute)
    }

    func testOtherKindsAreNotCompute() throws {
        XCTAssertEqual(try ComputeRequest.parse(F.sign(5999, F.minimalTags, by: F.tenant, at: F.t0)), .notCompute)
        XCTAssertEqual(try ComputeRequest.parse(F.sign(1, F.minimalTags, by: F.tenant, at: F.t0)), .notCompute)
    }

    func testUnknownParamsAndTagsAreIgnored() throws {
        let request = try request(F.plainRequest(F.minimalTags + [["param", "future-thing", "x"], ["i", "abc", "text"], ["t", "gpu"]]))
        XCTAssertEqual(request.image, "ghcr.io/example/app:1")
    }

    func testQuantities() {
        XCTAssertEqual(KubeQuantity.millicores("500m"), 500)
        XCTAssertEqual(KubeQuantity.millicores("0.5"), 500)
        XCTAssertEqual(KubeQuantity.millicores("2"), 2_000)
        XCTAssertEqual(KubeQuantity.millicores("0.0001"), 1, "rounded up like Kubernetes' MilliValue")
        XCTAssertEqual(KubeQuantity.millicores(".25"), 250)
        XCTAssertEqual(KubeQuantity.bytes("16Gi"), 16 << 30)
        XCTAssertEqual(KubeQuantity.bytes("8G"), 8_000_000_000)
        XCTAssertEqual(KubeQuantity.bytes("1e3"), 1_000)
        XCTAssertEqual(KubeQuantity.bytes("1.5Ki"), 1_536)
        for bad in ["", "8GB", "8gi", " 1", "1 ", "-1", "+1", "1..5", ".", "Gi", "1e", "abc", "0x10", "1e999"] {
            XCTAssertNil(KubeQuantity.decimal(bad), bad)
        }
    }

    func testDescriptionRedactsSecrets() throws {
        let request = try request(F.encryptedRequest(F.cashuRequestHidden, scheme: .nip44))
        for text in [String(describing: request), String(reflecting: request), { var s = ""; dump(request, to: &s); return s }()] {
            XCTAssertFalse(text.contains("correct horse"), text)
            XCTAssertFalse(text.contains(F.cashuToken), text)
            XCTAssertTrue(text.contains("postgres"), text)
        }
    }
}
