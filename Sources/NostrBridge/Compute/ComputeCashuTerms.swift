/// How to pay in Cashu: mints the provider redeems at, and the key proofs must be P2PK-locked to.
public struct ComputeCashuTerms: Sendable, Hashable {
    public var mints: [ComputeMint]
    /// A compressed secp256k1 key (66 hex digits, 02/03 prefix), never the provider's Nostr key.
    public var p2pk: String

    public init(mints: [ComputeMint], p2pk: String) {
        self.mints = mints
        self.p2pk = p2pk
    }

    var tags: [[String]] {
        mints.map(\.tag) + [[ComputeTag.p2pk, p2pk]]
    }

    /// nil when the tags carry no Cashu terms at all.
    init?(reader: ComputeTagReader) throws(ComputeEventError) {
        let mints = try reader.all(ComputeTag.mint).map { (tag) throws(ComputeEventError) in try ComputeMint(tag: tag) }
        let key = reader.value(ComputeTag.p2pk)
        if mints.isEmpty, key == nil { return nil }
        guard !mints.isEmpty else { throw .missingTag(ComputeTag.mint, in: reader.kind) }
        guard let key else { throw .missingTag(ComputeTag.p2pk, in: reader.kind) }
        guard ComputeTagValues.isCompressedKeyHex(key) else {
            throw .invalidTag(ComputeTag.p2pk, "expected a compressed public key: 66 lower-case hex digits starting with 02 or 03")
        }
        self.init(mints: mints, p2pk: key)
    }
}

/// `["mint", url, unit]`: a mint and the unit its tokens must be in.
public struct ComputeMint: Sendable, Hashable {
    public var url: String
    /// "sat" or "msat".
    public var unit: String

    public init(url: String, unit: String = "sat") {
        self.url = url
        self.unit = unit
    }

    var tag: [String] { [ComputeTag.mint, url, unit] }

    init(tag: [String]) throws(ComputeEventError) {
        guard ComputeTagValues.isHTTPURL(tag[1]) else { throw .invalidTag(ComputeTag.mint, "\(ComputeTagValues.quoted(tag[1])) is not an http(s) URL") }
        self.init(url: tag[1], unit: tag.count >= 3 && !tag[2].isEmpty ? tag[2] : "sat")
    }
}
