import Foundation

/// One way a value breaks its schema, with the field path the apiserver would name (`spec.ports[0].port`).
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path.isEmpty ? "<root>" : path): \(message)" }
}

extension Schema {
    /// Checks `value` the way the apiserver's structural-schema validation does, plus one thing it
    /// does silently instead: a member the schema does not declare is reported, because the
    /// apiserver would prune it and the data would be lost without an error.
    public func violations(of value: OrderedJSON, at path: String = "") -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        func report(_ message: String) { found.append(SchemaViolation(path: path, message: message)) }

        if intOrString {
            switch value {
            case .integer, .string: break
            default: report("must be an integer or a string, not \(value.typeName)"); return found
            }
        } else if let type, !value.conforms(to: type) {
            report("must be of type \(type.rawValue), not \(value.typeName)")
            return found
        }

        if let enumValues, !enumValues.contains(value) {
            report("unsupported value \(value.jsonText()); allowed: \(enumValues.map { $0.jsonText() }.joined(separator: ", "))")
        }

        switch value {
        case let .string(string):
            let length = string.unicodeScalars.count
            if let minLength, length < minLength { report("must be at least \(minLength) characters long") }
            if let maxLength, length > maxLength { report("must be at most \(maxLength) characters long") }
            if let pattern, !Self.matches(string, pattern) { report("\(string.debugDescription) does not match \(pattern)") }
            if format == "date-time", Timestamp(rfc3339: string) == nil { report("\(string.debugDescription) is not an RFC 3339 date-time") }
        case let .integer(number):
            if let minimum, number < minimum { report("must be greater than or equal to \(minimum)") }
            if let maximum, number > maximum { report("must be less than or equal to \(maximum)") }
        case let .number(number):
            if let minimum, number < Double(minimum) { report("must be greater than or equal to \(minimum)") }
            if let maximum, number > Double(maximum) { report("must be less than or equal to \(maximum)") }
        case let .array(items):
            if let minItems, items.count < minItems { report("must have at least \(minItems) items") }
            if let maxItems, items.count > maxItems { report("must have at most \(maxItems) items") }
            if let itemSchema = self.items {
                for (index, item) in items.enumerated() {
                    found += itemSchema.violations(of: item, at: "\(path)[\(index)]")
                }
            }
            found += listUniquenessViolations(items, at: path)
        case let .object(members):
            if let minProperties, members.count < minProperties { report("must have at least \(minProperties) members") }
            if let maxProperties, members.count > maxProperties { report("must have at most \(maxProperties) members") }
            for name in requiredNames where !members.contains(where: { $0.0 == name }) {
                found.append(SchemaViolation(path: Self.join(path, name), message: "Required value"))
            }
            for (name, member) in members {
                if Self.isOpaqueAtRoot(path: path, name: name) {
                    continue
                } else if let schema = property(name) {
                    found += schema.violations(of: member, at: Self.join(path, name))
                } else if let values = additionalProperties {
                    found += values.violations(of: member, at: Self.join(path, name))
                } else {
                    found.append(SchemaViolation(path: Self.join(path, name), message: "field not declared in the schema (the apiserver would drop it)"))
                }
            }
        case .null, .bool:
            break
        }
        return found
    }

    /// Fills absent members from their `default`, recursing into what was filled in, as the apiserver's defaulting does.
    public func applyingDefaults(to value: OrderedJSON) -> OrderedJSON {
        switch value {
        case var .object(members):
            for property in properties where !members.contains(where: { $0.0 == property.name }) {
                if let defaultValue = property.schema.defaultValue { members.append((property.name, defaultValue)) }
            }
            members = members.map { name, member in
                if let schema = property(name) { return (name, schema.applyingDefaults(to: member)) }
                if let values = additionalProperties { return (name, values.applyingDefaults(to: member)) }
                return (name, member)
            }
            return .object(members)
        case let .array(items):
            guard let itemSchema = self.items else { return value }
            return .array(items.map { itemSchema.applyingDefaults(to: $0) })
        default:
            return value
        }
    }

    private func listUniquenessViolations(_ items: [OrderedJSON], at path: String) -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        switch listType {
        case .set:
            for (index, item) in items.enumerated() where items[..<index].contains(item) {
                violations.append(SchemaViolation(path: "\(path)[\(index)]", message: "Duplicate value: \(item.jsonText())"))
            }
        case .map:
            let keys = listMapKeys ?? []
            // Keys left out fall back to their defaults, as they will on the server.
            let identities = items.map { item in keys.map { applyingDefaultsToItem(item)[$0] ?? .null } }
            for index in identities.indices where identities[..<index].contains(identities[index]) {
                let shown = zip(keys, identities[index]).map { "\($0)=\($1.jsonText())" }.joined(separator: ", ")
                violations.append(SchemaViolation(path: "\(path)[\(index)]", message: "Duplicate value: {\(shown)}"))
            }
        case .atomic, .none:
            break
        }
        return violations
    }

    private func applyingDefaultsToItem(_ item: OrderedJSON) -> OrderedJSON {
        items.map { $0.applyingDefaults(to: item) } ?? item
    }

    /// `metadata` is the apiserver's business: a CRD may not constrain it beyond its name.
    static func isOpaqueAtRoot(path: String, name: String) -> Bool {
        path.isEmpty && name == "metadata"
    }

    static func join(_ path: String, _ name: String) -> String {
        path.isEmpty ? name : "\(path).\(name)"
    }

    public static func matches(_ string: String, _ pattern: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        let range = NSRange(string.startIndex..., in: string)
        return regex.firstMatch(in: string, range: range) != nil
    }
}

extension OrderedJSON {
    func conforms(to type: Schema.JSONType) -> Bool {
        switch (type, self) {
        case (.object, .object), (.array, .array), (.string, .string), (.boolean, .bool), (.integer, .integer),
             (.number, .integer), (.number, .number):
            return true
        case let (.integer, .number(value)):
            return value.rounded() == value
        default:
            return false
        }
    }
}
