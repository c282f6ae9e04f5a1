/// Key paths name every field a schema declares or a value carries, in one notation:
/// `spec.resources.cpu`, `spec.ports[].port` for list elements, `spec.pricing.msatsPerGpuHour.*`
/// for the values of a map. Comparing the two sets is how the tests prove the Swift types and
/// the CRD schema describe the same fields.
extension Schema {
    /// Every field this schema declares, below `prefix`.
    public func declaredKeyPaths(prefix: String = "") -> Set<String> {
        var paths: Set<String> = []
        for property in properties where !Schema.isOpaqueAtRoot(path: prefix, name: property.name) {
            let path = Schema.join(prefix, property.name)
            paths.insert(path)
            paths.formUnion(property.schema.declaredKeyPaths(prefix: path))
        }
        if let items {
            paths.insert(prefix + "[]")
            paths.formUnion(items.declaredKeyPaths(prefix: prefix + "[]"))
        }
        if let additionalProperties {
            let path = Schema.join(prefix, "*")
            paths.insert(path)
            paths.formUnion(additionalProperties.declaredKeyPaths(prefix: path))
        }
        return paths
    }

    /// Every field present in `value`, named as `declaredKeyPaths` names them. Members the
    /// schema does not know keep their own names, so they show up as a difference.
    public func presentKeyPaths(in value: OrderedJSON, prefix: String = "") -> Set<String> {
        var paths: Set<String> = []
        switch value {
        case let .object(members):
            for (name, member) in members where !Schema.isOpaqueAtRoot(path: prefix, name: name) {
                if let schema = property(name) {
                    let path = Schema.join(prefix, name)
                    paths.insert(path)
                    paths.formUnion(schema.presentKeyPaths(in: member, prefix: path))
                } else if let values = additionalProperties {
                    let path = Schema.join(prefix, "*")
                    paths.insert(path)
                    paths.formUnion(values.presentKeyPaths(in: member, prefix: path))
                } else {
                    paths.formUnion(Schema(type: nil, description: "").presentKeyPaths(in: member, prefix: Schema.join(prefix, name)))
                    paths.insert(Schema.join(prefix, name))
                }
            }
        case let .array(elements):
            for element in elements {
                paths.insert(prefix + "[]")
                paths.formUnion((items ?? Schema(type: nil, description: "")).presentKeyPaths(in: element, prefix: prefix + "[]"))
            }
        default:
            break
        }
        return paths
    }
}
