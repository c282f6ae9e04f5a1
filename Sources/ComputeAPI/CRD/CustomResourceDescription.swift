/// Everything a CustomResourceDefinition says about one kind: names, scope, columns and the
/// schema. `document()` turns it into the `apiextensions.k8s.io/v1` object that `crds/` holds.
public struct CustomResourceDescription: Sendable {
    public var group: String
    public var version: String
    public var kind: String
    public var plural: String
    public var singular: String
    public var shortNames: [String]
    public var categories: [String]
    public var namespaced: Bool
    /// What `kubectl explain <kind>` prints first.
    public var summary: String
    public var spec: Schema
    public var status: Schema?
    public var printerColumns: [PrinterColumn]

    public init(
        group: String, version: String, kind: String, plural: String, singular: String, shortNames: [String], categories: [String],
        namespaced: Bool, summary: String, spec: Schema, status: Schema?, printerColumns: [PrinterColumn]
    ) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular
        self.shortNames = shortNames
        self.categories = categories
        self.namespaced = namespaced
        self.summary = summary
        self.spec = spec
        self.status = status
        self.printerColumns = printerColumns
    }

    /// `computeleases.ncn.dev`: the CRD's own name, fixed by Kubernetes as plural.group.
    public var name: String { "\(plural).\(group)" }

    public var fileName: String { "\(name).yaml" }

    /// The schema of a whole object, as `openAPIV3Schema` describes it.
    public var rootSchema: Schema {
        var properties: [Schema.Property] = [
            .optional("apiVersion", .string("The versioned schema of this representation of an object; servers convert recognized schemas to the latest internal value.")),
            .optional("kind", .string("The REST resource this object represents; servers infer it from the endpoint the client submits requests to.")),
            // Anything but `type` (even a description) is refused here: metadata belongs to the apiserver.
            .optional("metadata", Schema(type: .object, description: "")),
            .required("spec", spec),
        ]
        if let status { properties.append(.optional("status", status)) }
        return .object(summary, properties)
    }

    /// The CustomResourceDefinition object.
    public func document() -> OrderedJSON {
        var version: [(String, OrderedJSON)] = [
            ("name", .string(self.version)),
            ("served", true),
            ("storage", true),
        ]
        if status != nil { version.append(("subresources", ["status": .object([])])) }
        if !printerColumns.isEmpty { version.append(("additionalPrinterColumns", .array(printerColumns.map { $0.document() }))) }
        version.append(("schema", ["openAPIV3Schema": rootSchema.openAPI()]))

        return [
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": [
                "name": .string(name),
                "labels": [
                    "app.kubernetes.io/name": "ncn-operator",
                    "app.kubernetes.io/part-of": "nostr-compute",
                ],
            ],
            "spec": [
                "group": .string(group),
                "names": [
                    "kind": .string(kind),
                    "listKind": .string(kind + "List"),
                    "plural": .string(plural),
                    "singular": .string(singular),
                    "shortNames": .array(shortNames.map { .string($0) }),
                    "categories": .array(categories.map { .string($0) }),
                ],
                "scope": namespaced ? "Namespaced" : "Cluster",
                "versions": [.object(version)],
            ],
        ]
    }
}
