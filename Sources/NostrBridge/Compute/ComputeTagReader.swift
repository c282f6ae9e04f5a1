/// Reads a provider event's tags: the first tag of a name with a value, strict integers.
struct ComputeTagReader {
    let tags: [[String]]
    let kind: Int

    func first(_ name: String) -> [String]? {
        tags.first { $0.first == name && $0.count >= 2 }
    }

    func all(_ name: String) -> [[String]] {
        tags.filter { $0.first == name && $0.count >= 2 }
    }

    func value(_ name: String) -> String? { first(name)?[1] }

    func integer(_ name: String) throws(ComputeEventError) -> Int64 {
        guard let value = try optionalInteger(name) else { throw .missingTag(name, in: kind) }
        return value
    }

    func optionalInteger(_ name: String) throws(ComputeEventError) -> Int64? {
        guard let text = value(name) else { return nil }
        guard let number = ComputeTagValues.integer(text) else {
            throw .invalidTag(name, "\(ComputeTagValues.quoted(text)) is not a whole number in decimal digits")
        }
        return number
    }
}
