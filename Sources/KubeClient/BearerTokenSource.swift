import Foundation
import Synchronization

/// Supplies the bearer token for each request. Projected service-account tokens are
/// rotated by the kubelet, so a file-backed token is re-read whenever the file changes.
final class BearerTokenSource: Sendable {
    private struct Cached { var token: String?; var modified: Date? }
    private let path: String?
    private let cache: Mutex<Cached>

    init(credentials: ClusterConnection.Credentials) {
        switch credentials {
        case let .bearerToken(token):
            path = nil
            cache = Mutex(Cached(token: token, modified: nil))
        case let .bearerTokenFile(file):
            path = file
            cache = Mutex(Cached(token: nil, modified: nil))
        case .none, .clientCertificate:
            path = nil
            cache = Mutex(Cached(token: nil, modified: nil))
        }
    }

    func current() throws -> String? {
        guard let path else { return cache.withLock { $0.token } }
        let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        if let hit = cache.withLock({ $0.modified == modified && modified != nil ? $0.token : nil }) {
            return hit
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeConfigError.unreadableFile(path, purpose: "service-account token")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        cache.withLock { $0 = Cached(token: token, modified: modified) }
        return token
    }
}
