import Foundation

/// One line of a watch stream, decoded.
enum WatchFrame<R: Decodable> {
    case added(R)
    case modified(R)
    case deleted(R)
    /// Only carries a new resourceVersion; requested with `allowWatchBookmarks`.
    case bookmark(resourceVersion: String)
    case error(APIStatus)

    private struct TypeOnly: Decodable { var type: String }
    private struct WithObject<O: Decodable>: Decodable { var object: O }
    private struct BookmarkObject: Decodable {
        struct Meta: Decodable { var resourceVersion: String }
        var metadata: Meta
    }

    struct Malformed: Error, CustomStringConvertible {
        let detail: String
        var description: String { "malformed watch event: \(detail)" }
    }

    /// The type is read first because an ERROR's object is a Status, not an R.
    static func decode(_ line: [UInt8]) throws -> WatchFrame<R> {
        let data = Data(line)
        let decoder = JSONDecoder()
        let type: String
        do {
            type = try decoder.decode(TypeOnly.self, from: data).type
        } catch {
            throw Malformed(detail: "no event type (\(error))")
        }
        do {
            switch type {
            case "ADDED": return .added(try decoder.decode(WithObject<R>.self, from: data).object)
            case "MODIFIED": return .modified(try decoder.decode(WithObject<R>.self, from: data).object)
            case "DELETED": return .deleted(try decoder.decode(WithObject<R>.self, from: data).object)
            case "BOOKMARK":
                return .bookmark(resourceVersion: try decoder.decode(WithObject<BookmarkObject>.self, from: data).object.metadata.resourceVersion)
            case "ERROR": return .error(try decoder.decode(WithObject<APIStatus>.self, from: data).object)
            default: throw Malformed(detail: "unknown event type \(type)")
            }
        } catch let error as Malformed {
            throw error
        } catch {
            throw Malformed(detail: "\(type) object does not decode: \(error)")
        }
    }
}

/// What a watcher tells its consumer, in the shape kube-runtime uses: a full
/// re-list replaces everything the consumer knew; afterwards objects change one by one.
public enum WatcherEvent<R: Sendable>: Sendable {
    /// The complete current set, after the first list and after every re-list (e.g. on 410 Gone).
    case restarted([R])
    case applied(R)
    case deleted(R)
}
