import ComputeAPI

/// An image reference split as a runtime reads it: repository (with its registry spelled out),
/// tag and digest. A blocklist entry without tag or digest covers every image of its repository
/// and of the repositories under it.
struct ImageReference: Equatable {
    var repository: String
    var tag: String?
    var digest: String?

    init(repository: String, tag: String?, digest: String?) {
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    init(_ text: String) {
        var rest = WorkloadPolicy.canonicalImage(text)
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = String(rest[..<at])
        }
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = String(rest[..<colon])
        }
        repository = rest
    }

    /// Whether this entry blocks `image`: with a digest or tag, that image of the same repository;
    /// without, the repository and every repository under it ("ghcr.io/evil" covers "ghcr.io/evil/miner").
    func covers(_ image: ImageReference) -> Bool {
        if let digest { return repository == image.repository && image.digest == digest }
        if let tag { return repository == image.repository && (image.tag == tag || (image.tag == nil && image.digest == nil && tag == "latest")) }
        return image.repository == repository || image.repository.hasPrefix(repository + "/")
    }
}
