/// What an informer keeps of each object when its readers need less than all of it: applied to
/// every object before it enters the store or reaches a subscriber (controller-runtime's
/// `TransformFunc`, kube-runtime's `modify`). The cache's memory is what a provider with many
/// leases pays for; the fields nobody reads are most of it.
///
/// The name is part of the shared cache's key: informers of one kind and selector trimmed
/// differently are different caches, so one reader never gets another's trimmed objects.
public struct CacheTrim<R: Sendable>: Sendable {
    public let name: String
    private let trim: @Sendable (inout R) -> Void

    public init(_ name: String, _ trim: @escaping @Sendable (inout R) -> Void) {
        self.name = name
        self.trim = trim
    }

    public func callAsFunction(_ object: R) -> R {
        var object = object
        trim(&object)
        return object
    }

    public func callAsFunction(_ event: WatcherEvent<R>) -> WatcherEvent<R> {
        switch event {
        case let .restarted(objects): .restarted(objects.map(callAsFunction))
        case let .applied(object): .applied(callAsFunction(object))
        case let .deleted(object): .deleted(callAsFunction(object))
        }
    }
}

extension CacheTrim where R: KubernetesResource {
    /// Of the metadata, only what says which object changed and whether it is going: name,
    /// namespace, uid, resourceVersion and deletionTimestamp. With `MetadataOnly`, that is all
    /// that is kept: for caches read only for their change events.
    public static var identity: Self {
        CacheTrim("identity") { object in
            let meta = object.metadata
            object.metadata = ObjectMeta(name: meta.name, namespace: meta.namespace)
            object.metadata.uid = meta.uid
            object.metadata.resourceVersion = meta.resourceVersion
            object.metadata.deletionTimestamp = meta.deletionTimestamp
        }
    }
}
