import AsyncHTTPClient
import Foundation
import NIOCore

extension TestBed {
    /// The tenant pays a bolt11 from its own LNbits wallet (admin key), as any Lightning wallet
    /// would. Returns LNbits' HTTP status and body; 2xx means paid.
    func tenantPaysWithLNbits(_ bolt11: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: try require("NCN_LNBITS_URL") + "/api/v1/payments")
        request.method = .POST
        request.headers.add(name: "X-Api-Key", value: try require("NCN_LNBITS_TENANT_ADMINKEY"))
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["out": true, "bolt11": bolt11])))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }
}
