import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The mint's HTTP API, as much of it as redeeming and recovering ecash needs.
/// Each call is one request: retrying is the caller's decision, because a repeated swap is only
/// safe when the caller knows what happened to the first.
public struct CashuMintClient: Sendable {
    public let baseURL: String
    private let http: HTTPClient
    private let timeout: TimeAmount
    /// Mint answers are small; the bound keeps a hostile mint from exhausting memory.
    private static let maximumResponseBytes = 4 << 20

    public init(baseURL: String, httpClient: HTTPClient = .shared, timeout: TimeAmount = .seconds(30)) {
        self.baseURL = CashuMintURL.normalize(baseURL)
        self.http = httpClient
        self.timeout = timeout
    }

    public func info() async throws(CashuMintError) -> CashuMintInfo {
        let body = try await send(.GET, "/v1/info")
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw .malformed("/v1/info", "not a JSON object")
        }
        let nuts = (object["nuts"] as? [String: Any]).map { Set($0.keys.compactMap { Int($0) }) } ?? []
        return CashuMintInfo(name: object["name"] as? String, version: object["version"] as? String,
                             pubkey: object["pubkey"] as? String, nuts: nuts)
    }

    public func keysets() async throws(CashuMintError) -> [CashuKeysetInfo] {
        try decode(CashuKeysetsResponse.self, try await send(.GET, "/v1/keysets"), "/v1/keysets").keysets
    }

    /// The keys of one keyset, by its full id.
    public func keys(keysetID: String) async throws(CashuMintError) -> CashuKeyset {
        let path = "/v1/keys/\(keysetID)"
        guard keysetID.allSatisfy(\.isHexDigit) else { throw .malformed(path, "the keyset id is not hex") }
        let response = try decode(CashuKeysResponse.self, try await send(.GET, path), path)
        guard let keyset = response.keysets.first(where: { $0.id == keysetID }) else {
            throw .malformed(path, "the answer does not contain keyset \(keysetID)")
        }
        var keys: [UInt64: String] = [:]
        for (amount, key) in keyset.keys {
            guard let value = UInt64(amount) else { throw .malformed(path, "amount \(amount) is not an unsigned integer") }
            keys[value] = key
        }
        return CashuKeyset(id: keyset.id, unit: keyset.unit, keys: keys, inputFeePPK: keyset.input_fee_ppk ?? 0, finalExpiry: keyset.final_expiry)
    }

    /// NUT-07: the state of each `Y` (hex), in the order asked.
    public func checkState(_ ys: [String]) async throws(CashuMintError) -> [CashuProofState] {
        let response = try decode(CashuCheckStateResponse.self,
                                  try await send(.POST, "/v1/checkstate", body: CashuCheckStateRequest(Ys: ys)), "/v1/checkstate")
        let byY = Dictionary(response.states.map { ($0.Y.lowercased(), $0.state) }, uniquingKeysWith: { first, _ in first })
        var states: [CashuProofState] = []
        for y in ys {
            guard let state = byY[y.lowercased()] else { throw .malformed("/v1/checkstate", "no state for one of the proofs") }
            states.append(state)
        }
        return states
    }

    /// NUT-03: spends `inputs` and returns the signatures on `outputs`, in their order.
    public func swap(inputs: [CashuProof], outputs: [CashuBlindedMessage]) async throws(CashuMintError) -> [CashuBlindSignature] {
        // A sender's DLEQ carries its blinding factor, which the mint must not learn (NUT-12).
        let stripped = inputs.map { proof in
            var copy = proof
            copy.dleq = nil
            return copy
        }
        let body = try await send(.POST, "/v1/swap", body: CashuSwapRequest(inputs: stripped, outputs: outputs))
        let signatures = try decode(CashuSwapResponse.self, body, "/v1/swap").signatures
        guard signatures.count == outputs.count else {
            throw .malformed("/v1/swap", "\(signatures.count) signatures for \(outputs.count) outputs")
        }
        return signatures
    }

    /// NUT-09: the signatures the mint already made on any of `outputs`, paired with the output each belongs to.
    public func restore(_ outputs: [CashuBlindedMessage]) async throws(CashuMintError) -> [(output: CashuBlindedMessage, signature: CashuBlindSignature)] {
        let response = try decode(CashuRestoreResponse.self,
                                  try await send(.POST, "/v1/restore", body: CashuRestoreRequest(outputs: outputs)), "/v1/restore")
        let returned = response.outputs ?? []
        let signatures = response.signatures ?? response.promises ?? []
        guard returned.count == signatures.count else {
            throw .malformed("/v1/restore", "\(returned.count) outputs but \(signatures.count) signatures")
        }
        return Array(zip(returned, signatures))
    }

    // MARK: Transport

    func send(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = Optional<Int>.none) async throws(CashuMintError) -> [UInt8] {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            let encoded: Data
            do { encoded = try JSONEncoder().encode(body) } catch { throw .malformed(path, "could not encode the request") }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: encoded))
        }
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = Int(response.status.code)
            bytes = Array(buffer: try await response.body.collect(upTo: Self.maximumResponseBytes))
        } catch {
            throw .transport(path, "\(error)")
        }
        guard (200..<300).contains(status) else {
            let parsed = try? JSONDecoder().decode(CashuMintErrorBody.self, from: Data(bytes))
            let detail = parsed?.detail ?? String(decoding: bytes.prefix(200), as: UTF8.self)
            throw .refused(path, status: status, code: parsed?.code, detail: detail)
        }
        return bytes
    }

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ path: String) throws(CashuMintError) -> T {
        do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch { throw .malformed(path, "\(type) did not decode") }
    }
}
