/// An object of kind `K` with only its metadata decoded and kept: for informers whose readers
/// only need to know that an object changed and where it is, so the cache holds no specs.
public struct MetadataOnly<K: KubernetesResource>: KubernetesResource, Equatable {
    public static var descriptor: ResourceDescriptor { K.descriptor }
    public var metadata: ObjectMeta

    public init(metadata: ObjectMeta) { self.metadata = metadata }
}
