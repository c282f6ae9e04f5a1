/// `cashuB`: base64url over CBOR (NUT-00 V4), one mint, proofs grouped by keyset id, hex fields as bytes.
extension CashuToken {
    static func decodeV4(_ bytes: [UInt8]) throws(CashuTokenError) -> CashuToken {
        let root: CashuCBOR
        do { root = try CashuCBOR.decode(bytes) } catch { throw .cbor(error) }
        guard case .map = root else { throw .field("the top level is not a map") }
        guard case let .text(mint)? = root["m"] else { throw .field("m (mint URL) is missing or not text") }
        guard case let .text(unit)? = root["u"] else { throw .field("u (unit) is missing or not text") }
        var memo: String?
        switch root["d"] {
        case nil, .null?: memo = nil
        case let .text(text)?: memo = text
        default: throw .field("d (memo) is not text")
        }
        guard case let .array(groups)? = root["t"] else { throw .field("t (proofs by keyset) is missing or not an array") }
        var proofs: [CashuProof] = []
        for group in groups {
            guard case let .bytes(keysetID)? = group["i"] else { throw .field("a keyset group has no i (keyset id) bytes") }
            guard case let .array(items)? = group["p"] else { throw .field("a keyset group has no p (proofs) array") }
            for item in items {
                proofs.append(try proof(item, keysetID: CashuHex.encode(keysetID)))
            }
        }
        return CashuToken(mint: mint, unit: unit, memo: memo, proofs: proofs)
    }

    private static func proof(_ item: CashuCBOR, keysetID: String) throws(CashuTokenError) -> CashuProof {
        guard case let .unsigned(amount)? = item["a"] else { throw .field("a proof has no a (amount)") }
        guard case let .text(secret)? = item["s"] else { throw .field("a proof has no s (secret) text") }
        guard case let .bytes(c)? = item["c"] else { throw .field("a proof has no c (signature) bytes") }
        var witness: String?
        switch item["w"] {
        case nil, .null?: witness = nil
        case let .text(text)?: witness = text
        default: throw .field("a proof's w (witness) is not text")
        }
        var dleq: CashuProofDLEQ?
        switch item["d"] {
        case nil, .null?: dleq = nil
        case let .map(pairs)?:
            let map = CashuCBOR.map(pairs)
            guard case let .bytes(e)? = map["e"], case let .bytes(s)? = map["s"], case let .bytes(r)? = map["r"] else {
                throw .field("a proof's d (DLEQ) lacks e, s or r bytes")
            }
            dleq = CashuProofDLEQ(e: CashuHex.encode(e), s: CashuHex.encode(s), r: CashuHex.encode(r))
        default: throw .field("a proof's d (DLEQ) is not a map")
        }
        return CashuProof(amount: amount, id: keysetID, secret: secret, C: CashuHex.encode(c), witness: witness, dleq: dleq)
    }

    /// The `cashuB…` form (for tests and tools). Proofs are grouped by keyset id in order of first appearance.
    public func encodedV4() -> String {
        var order: [String] = []
        var groups: [String: [CashuProof]] = [:]
        for proof in proofs {
            if groups[proof.id] == nil { order.append(proof.id) }
            groups[proof.id, default: []].append(proof)
        }
        let t: [CashuCBOR] = order.map { id in
            let items: [CashuCBOR] = groups[id, default: []].map { proof in
                var pairs: [(key: CashuCBOR, value: CashuCBOR)] = [
                    (.text("a"), .unsigned(proof.amount)),
                    (.text("s"), .text(proof.secret)),
                    (.text("c"), .bytes(CashuHex.decode(proof.C) ?? [])),
                ]
                if let dleq = proof.dleq {
                    pairs.append((.text("d"), .map([
                        (.text("e"), .bytes(CashuHex.decode(dleq.e) ?? [])),
                        (.text("s"), .bytes(CashuHex.decode(dleq.s) ?? [])),
                        (.text("r"), .bytes(CashuHex.decode(dleq.r) ?? [])),
                    ])))
                }
                if let witness = proof.witness { pairs.append((.text("w"), .text(witness))) }
                return .map(pairs)
            }
            return .map([(.text("i"), .bytes(CashuHex.decode(id) ?? [])), (.text("p"), .array(items))])
        }
        var root: [(key: CashuCBOR, value: CashuCBOR)] = [(.text("t"), .array(t))]
        if let memo { root.append((.text("d"), .text(memo))) }
        root.append((.text("m"), .text(mint)))
        root.append((.text("u"), .text(unit ?? "sat")))
        return "cashuB" + CashuBase64URL.encode(CashuCBOR.map(root).encoded())
    }
}
