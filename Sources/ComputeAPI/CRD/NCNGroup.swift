/// The API group of every custom resource of the Nostr Compute Network.
public enum NCNGroup {
    public static let name = "ncn.dev"
    /// Alpha: fields may still change incompatibly; a conversion-free v1beta1 comes once they settle.
    public static let version = "v1alpha1"
    public static let apiVersion = "\(name)/\(version)"

    /// Every kind, in the order the CRDs are written.
    public static let definitions: [CustomResourceDescription] = [ComputeLease.definition, ComputeProvider.definition]
}
