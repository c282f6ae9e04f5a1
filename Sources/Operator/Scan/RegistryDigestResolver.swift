import AsyncHTTPClient
import ComputeAPI
import Foundation
import NIOCore

/// Pins an image reference to the digest its registry serves now (the Registry HTTP API v2, as
/// the container runtime asks it), so that what is scanned is exactly what runs. Anonymous pulls
/// only: a registry that wants a token for public images gets the token flow it names.
struct RegistryDigestResolver: Sendable {
    let http: HTTPClient
    /// Registries asked over plain HTTP (`ImageScanSettings.plainHTTPRegistries`).
    let plainHTTP: Set<String>

    /// What the runtime may get for a tag: a multi-platform index or a single manifest.
    static let accept = [
        "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
    ].joined(separator: ", ")

    /// "registry/repository@sha256:…" for `image`; an image already pinned is returned as is.
    func resolve(_ image: String) async throws -> String {
        let reference = ImageReference(image)
        guard let slash = reference.repository.firstIndex(of: "/") else { throw ImageScanError.badReference(image) }
        if let digest = reference.digest {
            guard Self.isDigest(digest) else { throw ImageScanError.badReference(image) }
            return "\(reference.repository)@\(digest)"
        }
        let host = String(reference.repository[..<slash])
        let path = String(reference.repository[reference.repository.index(after: slash)...])
        let tag = reference.tag ?? "latest"
        guard !path.isEmpty, path.utf8.count <= 255, tag.utf8.count <= 128,
              path.allSatisfy({ $0.isLetter || $0.isNumber || "._-/".contains($0) }), tag.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) })
        else { throw ImageScanError.badReference(image) }
        let scheme = plainHTTP.contains(host) ? "http" : "https"
        // Docker Hub's API is not at its name.
        let apiHost = host == "docker.io" ? "registry-1.docker.io" : host
        let url = "\(scheme)://\(apiHost)/v2/\(path)/manifests/\(tag)"

        var response = try await head(url, token: nil, image: image)
        if response.status == .unauthorized, let challenge = response.headers.first(name: "www-authenticate") {
            let token = try await token(for: challenge, scheme: scheme, image: image)
            response = try await head(url, token: token, image: image)
        }
        guard response.status == .ok else {
            throw ImageScanError.registry(image, "\(url) answered HTTP \(response.status.code)")
        }
        guard let digest = response.headers.first(name: "docker-content-digest"), Self.isDigest(digest) else {
            throw ImageScanError.registry(image, "\(url) did not say the manifest's digest (Docker-Content-Digest)")
        }
        return "\(reference.repository)@\(digest)"
    }

    private func head(_ url: String, token: String?, image: String) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .HEAD
        request.headers.add(name: "Accept", value: Self.accept)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        do {
            return try await http.execute(request, timeout: .seconds(30))
        } catch {
            throw ImageScanError.registry(image, "\(url): \(error)")
        }
    }

    /// The anonymous pull token a `Bearer realm=…,service=…,scope=…` challenge asks for.
    private func token(for challenge: String, scheme: String, image: String) async throws -> String {
        let parameters = Self.challengeParameters(challenge)
        guard challenge.lowercased().hasPrefix("bearer "), let realm = parameters["realm"],
              realm.hasPrefix("https://") || (scheme == "http" && realm.hasPrefix("http://")) else {
            throw ImageScanError.registry(image, "the registry asks for credentials this provider does not have (\(challenge.prefix(200)))")
        }
        var components = URLComponents(string: realm)
        components?.queryItems = ["service", "scope"].compactMap { name in parameters[name].map { URLQueryItem(name: name, value: $0) } }
        guard let url = components?.url?.absoluteString else { throw ImageScanError.registry(image, "bad token realm \(realm.prefix(200))") }
        do {
            let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 64 * 1024)
            guard response.status == .ok else { throw ImageScanError.registry(image, "the token service answered HTTP \(response.status.code)") }
            struct Token: Decodable { var token: String?; var access_token: String? }
            let decoded = try JSONDecoder().decode(Token.self, from: Data(body.readableBytesView))
            guard let token = decoded.token ?? decoded.access_token, !token.isEmpty else {
                throw ImageScanError.registry(image, "the token service gave no token")
            }
            return token
        } catch let error as ImageScanError {
            throw error
        } catch {
            throw ImageScanError.registry(image, "the token service: \(error)")
        }
    }

    /// `key="value"` pairs of a WWW-Authenticate challenge.
    static func challengeParameters(_ challenge: String) -> [String: String] {
        var parameters: [String: String] = [:]
        var rest = Substring(challenge)
        if let space = rest.firstIndex(of: " ") { rest = rest[rest.index(after: space)...] }
        while let equals = rest.firstIndex(of: "=") {
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: ","))).lowercased()
            rest = rest[rest.index(after: equals)...]
            let value: Substring
            if rest.first == "\"" {
                rest = rest.dropFirst()
                let end = rest.firstIndex(of: "\"") ?? rest.endIndex
                value = rest[..<end]
                rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[end...]
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end]
                rest = rest[end...]
            }
            parameters[key] = String(value)
        }
        return parameters
    }

    static func isDigest(_ text: String) -> Bool {
        text.hasPrefix("sha256:") && text.utf8.count == 71
            && text.utf8.dropFirst(7).allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }
}
