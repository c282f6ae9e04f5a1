import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP exchange with LNbits: the status and body, with transport failures already turned
/// into `LightningWalletError.unreachable`. The key goes in a header and never into a message.
struct LNbitsHTTP: Sendable {
    let baseURL: String
    let key: String
    let client: HTTPClient
    let timeout: TimeAmount

    /// LNbits answers are a few kilobytes; anything much larger is not LNbits.
    private static let maxBody = 1 << 20

    struct Answer {
        var status: Int
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }

        /// FastAPI's `detail`, when the body is an error object.
        var detail: String? { try? JSONDecoder().decode(LNbitsMessages.Failure.self, from: Data(body)).detail }

        func decode<T: Decodable>(_ type: T.Type, what: String) throws(LightningWalletError) -> T {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            do {
                return try decoder.decode(type, from: Data(body))
            } catch {
                throw .badResponse("LNbits' \(what) is not the expected JSON (\(error)); body: \(String(text.prefix(200)))")
            }
        }
    }

    func send(_ method: HTTPMethod, _ path: String, json: (some Encodable)?) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "X-Api-Key", value: key)
        request.headers.add(name: "Accept", value: "application/json")
        if let json {
            let body: Data
            do { body = try JSONEncoder().encode(json) } catch {
                throw LightningWalletError.invalidRequest("cannot encode the request: \(error)")
            }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await client.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: Self.maxBody)
            return Answer(status: Int(response.status.code), body: Array(buffer.readableBytesView))
        } catch {
            try Task.checkCancellation()
            throw LightningWalletError.unreachable("\(method.rawValue) \(baseURL)\(path): \(error)")
        }
    }

    func get(_ path: String) async throws -> Answer {
        try await send(.GET, path, json: nil as LNbitsMessages.CreateInvoice?)
    }
}
