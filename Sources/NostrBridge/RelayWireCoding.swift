import Foundation

/// JSON plumbing shared by `RelayMessage` and `ClientMessage`: one place that turns Foundation's
/// untyped coding errors into `RelayError`, so that no malformed frame escapes as anything else.
enum RelayWireCoding {
    static func decode<Message: Decodable>(_ type: Message.Type, from data: Data) throws(RelayError) -> Message {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as RelayError {
            throw error
        } catch let error as DecodingError {
            throw RelayError.malformed(describe(error))
        } catch {
            throw RelayError.malformed("undecodable frame: \(error)")
        }
    }

    static func encode<Message: Encodable>(_ message: Message) throws(RelayError) -> String {
        let encoder = JSONEncoder()
        // Compact, as relays expect; sorted keys make a frame's bytes reproducible (logs, tests);
        // slashes stay readable (URLs in tags).
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(message), as: UTF8.self)
        } catch {
            // Only reachable for values JSON cannot represent (non-finite floats); none of ours are.
            throw RelayError.malformed("cannot encode frame: \(error)")
        }
    }

    /// NIP-01 messages have a fixed arity; extra elements mean we would be ignoring data.
    static func expectEnd(of container: any UnkeyedDecodingContainer, type: String) throws(RelayError) {
        guard container.isAtEnd else {
            throw RelayError.malformed("\(type) message has unexpected extra elements")
        }
    }

    /// For error messages: relay-controlled text, shortened so a hostile frame cannot flood the logs.
    static func quoted(_ text: String, limit: Int = 40) -> String {
        text.count <= limit ? "\"\(text)\"" : "\"\(text.prefix(limit))…\""
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty
                ? "top level" : context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "expected \(type) at \(path(context))"
        case .valueNotFound(let type, let context):
            return "missing \(type) at \(path(context))"
        case .keyNotFound(let key, let context):
            return "missing field \(quoted(key.stringValue)) at \(path(context))"
        case .dataCorrupted(let context):
            return "invalid JSON at \(path(context)): \(context.debugDescription)"
        @unknown default:
            return "undecodable frame: \(error)"
        }
    }
}
