import NostrBridge
import XCTest

/// Every way a request can be malformed, and the message the tenant gets for it.
final class ComputeRequestErrorTests: XCTestCase {
    typealias F = ComputeFixtures

    private func error(_ tags: [[String]], file: StaticString = #filePath, line: UInt = #line) -> ComputeRequestError? {
        do {
            let parsed = try ComputeRequest.parse(F.plainRequest(tags), key: F.provider)
            XCTFail("expected an error, got \(parsed)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func check(_ tags: [[String]], _ expected: ComputeRequestError, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = error(tags, file: file, line: line) else { return }
        XCTAssertEqual(error, expected, error.description, file: file, line: line)
        XCTAssertEqual(error.description, message, file: file, line: line)
    }

    private func check(_ tags: [[String]], _ expected: ComputeRequestError, containing part: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = error(tags, file: file, line: line) else { return }
        XCTAssertEqual(error, expected, error.description, file: file, line: line)
        XCTAssertTrue(error.description.contains(part), "\(error.description) lacks \(part)", file: file, line: line)
    }

    func testMissingRequiredParams() {
        check(F.replacing("image", with: nil), .missing("image"),
              #"missing image: add a tag ["param","image","<registry>/<repository>:<tag>"], e.g. "ghcr.io/org/app:1.2""#)
        check(F.replacing("cpu", with: nil), .missing("cpu"),
              #"missing cpu: add a tag ["param","cpu","<cores>"], e.g. "2" (cores) or "500m" (millicores)"#)
        check(F.replacing("memory", with: nil), .missing("memory"), #"missing memory: add a tag ["param","memory","<bytes>"], e.g. "8Gi" or "512Mi""#)
        check(F.replacing("duration", with: nil), .missing("duration"),
              #"missing duration: add a tag ["param","duration","<seconds>"], e.g. "3600" for an hour"#)
        check(F.replacing("bid", with: nil), .missing("bid"),
              #"missing bid: add ["bid","<msats>"], the most you will pay for the whole duration, in millisatoshis"#)
    }

    func testCategory() throws {
        check(F.minimalTags + [["param", "category", "GPU Inference"]], .invalid("category"),
              containing: #"category "GPU Inference" is not a workload category"#)
        check(F.minimalTags + [["param", "category", "ci--build"]], .invalid("category"), containing: "single dashes")
        check(F.minimalTags + [["param", "category", String(repeating: "a", count: 33)]], .invalid("category"), containing: "at most 32")
        check(F.minimalTags + [["param", "category", "web"], ["param", "category", "ci"]], .duplicate("category"), containing: "more than once")
        guard case let .request(named) = try ComputeRequest.parse(F.plainRequest(F.minimalTags + [["param", "category", "ci-build"]]), key: F.provider),
              case let .request(unnamed) = try ComputeRequest.parse(F.plainRequest(F.minimalTags), key: F.provider)
        else { return XCTFail("expected requests") }
        XCTAssertEqual(named.category, "ci-build")
        XCTAssertNil(unnamed.category)
    }

    func testBid() {
        let message = { (value: String) in
            #"bid "\#(value)" is not a number of millisatoshis: write a whole number from 1 to 2100000000000000000 in decimal digits, e.g. ["bid","600000"]"#
        }
        for value in ["lots", "", "-5", "1.5", "1e6", " 100", "0", "99999999999999999999"] {
            check(F.replacing("bid", with: ["bid", value]), .invalid("bid"), message(value))
        }
        check(F.replacing("bid", with: ["bid"]), .invalid("bid"), message(""))
        check(F.minimalTags + [["bid", "5"]], .duplicate("bid"), containing: "more than once")
    }

    func testImage() {
        for bad in ["", "ghcr.io/org/app :1", "ghcr.io/org/\napp", "ghcr.io/örg/app", String(repeating: "a", count: 1_025)] {
            check(F.replacing("image", with: ["param", "image", bad]), .invalid("image"), containing: "is not an image reference")
        }
        check(F.replacing("image", with: ["param", "image"]), .invalid("image"), #"["param","image"] has no value: add the value after the key"#)
        check(F.minimalTags + [["param", "image", "other:1"]], .duplicate("image"),
              "image is given more than once (in the tags and/or the encrypted content): keep exactly one")
    }

    func testCPU() {
        check(F.replacing("cpu", with: ["param", "cpu", "2 cores"]), .invalid("cpu"),
              #"cpu "2 cores" is not a Kubernetes CPU quantity: write cores ("2", "0.5") or millicores ("500m")"#)
        check(F.replacing("cpu", with: ["param", "cpu", "0"]), .invalid("cpu"),
              #"cpu "0" is out of range: ask for at least 1m (one millicore) and at most 4096 cores"#)
        check(F.replacing("cpu", with: ["param", "cpu", "5000"]), .invalid("cpu"), containing: "out of range")
        check(F.replacing("cpu", with: ["param", "cpu", "-1"]), .invalid("cpu"), containing: "not a Kubernetes CPU quantity")
    }

    func testMemory() {
        check(F.replacing("memory", with: ["param", "memory", "8GB"]), .invalid("memory"),
              #"memory "8GB" is not a Kubernetes memory quantity: write bytes with a binary suffix ("512Mi", "8Gi") or a decimal one ("8G"); "GB" and "gb" are not suffixes"#)
        check(F.replacing("memory", with: ["param", "memory", "1Mi"]), .invalid("memory"),
              #"memory "1Mi" is out of range: ask for at least 16Mi and at most 64Ti"#)
        check(F.replacing("memory", with: ["param", "memory", "65Ti"]), .invalid("memory"), containing: "out of range")
    }

    func testDisk() throws {
        check(F.minimalTags + [["param", "disk", "20GB"]], .invalid("disk"),
              #"disk "20GB" is not a Kubernetes quantity of bytes: write it with a binary suffix ("20Gi", "512Mi") or a decimal one ("20G"); "GB" and "gb" are not suffixes"#)
        check(F.minimalTags + [["param", "disk", "1Mi"]], .invalid("disk"), #"disk "1Mi" is out of range: ask for at least 64Mi and at most 64Ti"#)
        check(F.minimalTags + [["param", "disk", "65Ti"]], .invalid("disk"), containing: "out of range")
        check(F.minimalTags + [["param", "disk", "1Gi"], ["param", "disk", "2Gi"]], .duplicate("disk"), containing: "more than once")
        guard case .request(let request) = try ComputeRequest.parse(F.plainRequest(F.minimalTags + [["param", "disk", "64Mi"]])) else {
            return XCTFail("the smallest disk is a request")
        }
        XCTAssertEqual(request.resources.diskBytes, 64 << 20)
    }

    func testGPUs() {
        check(F.minimalTags + [["param", "gpus", "2"]], .conflict("gpu-model"),
              #"gpus is 2 but gpu-model is missing: add ["param","gpu-model","<model>"] with a model from the provider's offer, e.g. NVIDIA-H100-80GB-HBM3"#)
        check(F.minimalTags + [["param", "gpu-model", F.gpuModel]], .conflict("gpus"),
              #"gpu-model is given but no GPUs are asked for: add ["param","gpus","1"] or remove gpu-model"#)
        check(F.minimalTags + [["param", "gpus", "0"], ["param", "gpu-model", F.gpuModel]], .conflict("gpus"), containing: "no GPUs")
        for bad in ["-1", "65", "one", "1.0"] {
            check(F.minimalTags + [["param", "gpus", bad]], .invalid("gpus"), containing: "must be a whole number of GPUs from 0 to 64")
        }
        for bad in ["-H100", "NVIDIA H100", String(repeating: "A", count: 64), "H100-"] {
            check(F.minimalTags + [["param", "gpus", "1"], ["param", "gpu-model", bad]], .invalid("gpu-model"), containing: "is not a GPU model name")
        }
    }

    func testCommandAndArgs() {
        check(F.minimalTags + [["param", "command"] + Array(repeating: "x", count: 65)], .tooMany("command"),
              "command has 65 items; at most 64 are allowed")
        check(F.minimalTags + [["param", "args"] + Array(repeating: "x", count: 257)], .tooMany("args"), "args has 257 items; at most 256 are allowed")
        check(F.minimalTags + [["param", "args", "ok", String(repeating: "y", count: 4_097)]], .invalid("args"),
              "args item 2 is 4097 bytes long; at most 4096 are allowed")
        check(F.minimalTags + [["param", "command", "a"], ["param", "command", "b"]], .duplicate("command"), containing: "more than once")
        check(F.minimalTags + [["param", "command"]], .invalid("command"), containing: "has no value")
    }

    func testEnv() {
        check(F.minimalTags + [["param", "env", "1ST", "x"]], .invalid("env"), containing: #"env name "1ST" is not a valid variable name"#)
        check(F.minimalTags + [["param", "env"]], .invalid("env"), #"["param","env"] needs a name and a value: ["param","env","NAME","value"]"#)
        check(F.minimalTags + [["param", "env", "BIG", String(repeating: "v", count: 32_769)]], .invalid("env"),
              "env BIG has a value of 32769 bytes; at most 32768 are allowed")
        check(F.minimalTags + [["param", "env", "A", "1"], ["param", "env", "A", "2"]], .duplicate("env"),
              "environment variable A is set more than once (env and secret-env together): keep one")
        let many = (0...128).map { ["param", "env", "V\($0)", ""] }
        check(F.minimalTags + many, .tooMany("env"), "more than 128 environment variables (env and secret-env together)")
    }

    func testSecretEnvInPlainRequestIsRefusedWithoutEchoingIt() {
        guard let error = error(F.minimalTags + [["param", "secret-env", "API_KEY", "sk-live-123456"]]) else { return }
        XCTAssertEqual(error, .secretInPlain("secret-env"))
        XCTAssertTrue(error.description.hasPrefix("secret-env API_KEY is in a plain request, where anyone can read it"), error.description)
        XCTAssertFalse(error.description.contains("sk-live"))
    }

    func testSecretEnvDuplicatesAcrossEncryptedContent() throws {
        let event = F.encryptedRequest(F.minimalTags + [["param", "env", "A", "1"], ["param", "secret-env", "A", "2"]], scheme: .nip44)
        XCTAssertThrowsError(try ComputeRequest.parse(event, key: F.provider)) { error in
            XCTAssertEqual(error as? ComputeRequestError, .duplicate("secret-env"))
        }
        // Duplicates split between public tags and sealed content are caught too.
        let split = F.encryptedRequest(F.minimalTags, scheme: .nip44, publicTags: [["param", "cpu", "2"]])
        XCTAssertThrowsError(try ComputeRequest.parse(split, key: F.provider)) { error in
            XCTAssertEqual(error as? ComputeRequestError, .duplicate("cpu"))
        }
    }

    func testPorts() {
        for bad in ["0", "65536", "http", "80.5", ""] {
            let expected: ComputeRequestError = bad.isEmpty ? .invalid("port") : .invalid("port")
            check(F.minimalTags + [["param", "port", bad]], expected, containing: bad.isEmpty ? "has no value" : "must be a whole number from 1 to 65535")
        }
        check(F.minimalTags + [["param", "port", "8080", "sctp"]], .invalid("port"),
              #"port 8080 has protocol "sctp"; it must be tcp or udp (lower case)"#)
        check(F.minimalTags + [["param", "port", "8080", "TCP"]], .invalid("port"), containing: "must be tcp or udp")
        check(F.minimalTags + [["param", "port", "8080", "tcp", "HTTP"]], .invalid("port"), containing: "a port name is 1 to 15 lower-case letters")
        check(F.minimalTags + [["param", "port", "8080", "tcp", "1234"]], .invalid("port"), containing: "at least one letter")
        check(F.minimalTags + [["param", "port", "8080"], ["param", "port", "8080", "tcp"]], .duplicate("port"),
              "port 8080/tcp is declared more than once: keep one")
        check(F.minimalTags + [["param", "port", "80", "tcp", "web"], ["param", "port", "81", "tcp", "web"]], .duplicate("port"),
              "port name web is used by two ports: names must be unique")
        let many = (0...16).map { ["param", "port", String(2_000 + $0)] }
        check(F.minimalTags + many, .tooMany("port"), "more than 16 ports")
    }

    func testPortUDPAndSameNumberTwoProtocolsAreFine() throws {
        guard case .request(let request) = try ComputeRequest.parse(
            F.plainRequest(F.minimalTags + [["param", "port", "53", "udp"], ["param", "port", "53", "tcp"]])) else { return XCTFail() }
        XCTAssertEqual(request.ports, [ComputePort(port: 53, protocol: .udp), ComputePort(port: 53, protocol: .tcp)])
    }

    func testDuration() {
        for bad in ["0", "-60", "1h", "31536001", "3600.0"] {
            check(F.replacing("duration", with: ["param", "duration", bad]), .invalid("duration"),
                  #"duration "\#(bad)" must be a positive whole number of seconds, at most 31536000, e.g. ["param","duration","3600"]"#)
        }
    }

    func testRailAndCashu() {
        check(F.minimalTags + [["param", "rail", "bitcoin"]], .invalid("rail"), #"rail "bitcoin" must be lightning or cashu"#)
        check(F.minimalTags + [["param", "rail", "lightning"], ["param", "cashu", F.cashuToken]], .conflict("rail"),
              #"a cashu token is attached but rail is lightning: set ["param","rail","cashu"] or remove the token"#)
        check(F.minimalTags + [["param", "cashu", "lnbc1..."]], .invalid("cashu"), containing: "is not a Cashu token")
        check(F.minimalTags + Array(repeating: ["param", "cashu", F.cashuToken], count: 5), .tooMany("cashu"), containing: "more than 4 cashu tokens")
        guard let error = error(F.minimalTags + [["param", "cashu", "nope-secret-token"]]) else { return }
        XCTAssertFalse(error.description.contains("nope-secret-token"), "tokens are never echoed")
    }

    func testRelays() {
        check(F.minimalTags + [["relays", "wss://ok.example", "http://relay.example"]], .invalid("relays"),
              #"relay "http://relay.example" is not a relay URL: write ws:// or wss:// followed by a host, at most 512 characters"#)
        check(F.minimalTags + [["relays", "wss:///path"]], .invalid("relays"), containing: "is not a relay URL")
        check(F.minimalTags + [["relays"] + (0...16).map { "wss://r\($0).example" }], .tooMany("relays"), "more than 16 relays; list at most 16")
    }

    func testUndecryptableContentAddressedToUs() {
        var event = F.encryptedRequest(F.minimalTags, scheme: .nip44)
        event.content = "AqDy" + event.content.dropFirst(4)  // Breaks the MAC; the signature no longer matters here.
        XCTAssertThrowsError(try ComputeRequest.parse(event, key: F.provider)) { error in
            let error = error as! ComputeRequestError
            XCTAssertEqual(error, .undecryptable)
            XCTAssertTrue(error.description.contains("cannot be decrypted as NIP-44 v2"), error.description)
            XCTAssertTrue(error.description.contains(F.provider.publicKey.hex), error.description)
        }
        let notTags = F.sign(5900, [["p", F.provider.publicKey.hex], ["encrypted"]],
                             content: try! NIP44.encrypt(#"{"image":"x"}"#, secretKey: F.tenant, peer: F.provider.publicKey), by: F.tenant, at: F.t0)
        XCTAssertThrowsError(try ComputeRequest.parse(notTags, key: F.provider)) { error in
            XCTAssertTrue((error as! ComputeRequestError).description.contains("not to a JSON array of tags"))
        }
        let nip04 = F.sign(5900, [["p", F.provider.publicKey.hex], ["encrypted"]], content: "bm90IGl0?iv=AAAAAAAAAAAAAAAAAAAAAA==", by: F.tenant, at: F.t0)
        XCTAssertThrowsError(try ComputeRequest.parse(nip04, key: F.provider)) { error in
            XCTAssertTrue((error as! ComputeRequestError).description.contains("cannot be decrypted as NIP-04"))
        }
    }

    func testDraftQuotesTheseMessages() throws {
        let draft = try String(contentsOf: ComputeDraft.url, encoding: .utf8)
        for tags in [F.replacing("cpu", with: nil), F.replacing("memory", with: ["param", "memory", "8GB"]), F.minimalTags + [["param", "gpus", "2"]],
                     F.replacing("bid", with: ["bid", "lots"])] {
            guard let error = error(tags) else { continue }
            XCTAssertTrue(draft.contains("* `\(error.description)`"), "the draft's §3.2 should quote: \(error.description)")
        }
    }
}
