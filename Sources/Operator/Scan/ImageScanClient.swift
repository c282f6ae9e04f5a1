import AsyncHTTPClient
import Foundation
import NIOCore

/// The provider's scanner over HTTP: POST {"image", "lease", "tenant"}, answered with
/// {"verdict": "allow"|"deny", "reason": …}. Anything else is a failed scan, never an allow.
struct ImageScanClient: Sendable {
    enum Verdict: Sendable, Equatable {
        case allow
        case deny(reason: String)
    }

    let http: HTTPClient

    func scan(image: String, lease: String, tenant: String, url: String, timeout: Duration) async throws -> Verdict {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = try JSONSerialization.data(withJSONObject: ["image": image, "lease": lease, "tenant": tenant], options: [.sortedKeys])
        request.body = .bytes(ByteBuffer(bytes: body))
        let answer: (HTTPClientResponse, ByteBuffer)
        do {
            let response = try await http.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
            answer = (response, try await response.body.collect(upTo: 64 * 1024))
        } catch {
            throw ImageScanError.scanner("\(url): \(error)")
        }
        guard answer.0.status == .ok else { throw ImageScanError.scanner("\(url) answered HTTP \(answer.0.status.code)") }
        struct Answer: Decodable { var verdict: String; var reason: String? }
        guard let decoded = try? JSONDecoder().decode(Answer.self, from: Data(answer.1.readableBytesView)) else {
            throw ImageScanError.scanner("\(url) answered something that is not {\"verdict\": …}")
        }
        switch decoded.verdict {
        case "allow": return .allow
        case "deny": return .deny(reason: String((decoded.reason ?? "no reason given").prefix(512)))
        default: throw ImageScanError.scanner("\(url) gave the verdict \(decoded.verdict.prefix(40)), neither allow nor deny")
        }
    }
}
