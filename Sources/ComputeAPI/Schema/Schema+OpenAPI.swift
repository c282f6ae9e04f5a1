extension Schema {
    /// The node as `openAPIV3Schema` JSON. Keys come in a fixed, reading-friendly order
    /// (what it is, then its constraints, then its children) so the generated CRD is stable.
    public func openAPI() -> OrderedJSON {
        var members: [(String, OrderedJSON)] = []
        if !description.isEmpty { members.append(("description", .string(description))) }
        if let type { members.append(("type", .string(type.rawValue))) }
        if let format { members.append(("format", .string(format))) }
        if intOrString {
            // The form controller-gen writes and kubectl explain understands.
            members.append(("anyOf", [["type": "integer"], ["type": "string"]]))
            members.append(("x-kubernetes-int-or-string", true))
        }
        if let enumValues { members.append(("enum", .array(enumValues))) }
        if let defaultValue { members.append(("default", defaultValue)) }
        if let pattern { members.append(("pattern", .string(pattern))) }
        if let minimum { members.append(("minimum", .integer(minimum))) }
        if let maximum { members.append(("maximum", .integer(maximum))) }
        if let minLength { members.append(("minLength", .integer(Int64(minLength)))) }
        if let maxLength { members.append(("maxLength", .integer(Int64(maxLength)))) }
        if let minItems { members.append(("minItems", .integer(Int64(minItems)))) }
        if let maxItems { members.append(("maxItems", .integer(Int64(maxItems)))) }
        if let minProperties { members.append(("minProperties", .integer(Int64(minProperties)))) }
        if let maxProperties { members.append(("maxProperties", .integer(Int64(maxProperties)))) }
        if let listType { members.append(("x-kubernetes-list-type", .string(listType.rawValue))) }
        if let listMapKeys { members.append(("x-kubernetes-list-map-keys", .array(listMapKeys.map { .string($0) }))) }
        if isAtomicObject { members.append(("x-kubernetes-map-type", "atomic")) }
        if let items { members.append(("items", items.openAPI())) }
        if let additionalProperties { members.append(("additionalProperties", additionalProperties.openAPI())) }
        if !properties.isEmpty {
            members.append(("properties", .object(properties.map { ($0.name, $0.schema.openAPI()) })))
        }
        let required = requiredNames
        if !required.isEmpty { members.append(("required", .array(required.map { .string($0) }))) }
        return .object(members)
    }
}
