import Crypto

/// NIP-13 proof of work: the difficulty of an event is the number of leading zero bits of its id.
public enum ProofOfWork {
    public static func leadingZeroBits<Bytes: Sequence>(_ bytes: Bytes) -> Int where Bytes.Element == UInt8 {
        var count = 0
        for byte in bytes {
            if byte == 0 {
                count += 8
            } else {
                return count + byte.leadingZeroBitCount
            }
        }
        return count
    }

    /// Leading zero bits of a hex id; `nil` if it is not hex.
    public static func leadingZeroBits(hex: String) -> Int? {
        Hex.decode(hex).map { leadingZeroBits($0) }
    }
}

extension NostrEvent {
    /// Leading zero bits of `id` (0 if `id` is not hex). Only meaningful once `validate()` has
    /// confirmed the id matches the content.
    public var proofOfWorkDifficulty: Int {
        ProofOfWork.leadingZeroBits(hex: id) ?? 0
    }

    /// The target committed to in `["nonce", <counter>, <target>]`, if any.
    public var committedDifficulty: Int? {
        guard let tag = tags.first(where: { $0.first == "nonce" }), tag.count >= 3 else { return nil }
        return Int(tag[2])
    }

    /// Whether the event carries at least `minimum` bits of work.
    ///
    /// With `requireCommitment`, the nonce tag must also commit to a target of at least `minimum`.
    /// That is NIP-13's defence against "lucky" ids: a spammer mining for a low target who
    /// happens to clear a higher bar should not pass, so the bar is enforced on intent as well.
    public func satisfiesProofOfWork(minimum: Int, requireCommitment: Bool = true) -> Bool {
        guard minimum > 0 else { return true }
        guard proofOfWorkDifficulty >= minimum else { return false }
        guard requireCommitment else { return true }
        guard let committed = committedDifficulty else { return false }
        return committed >= minimum
    }

    /// Mines a nonce tag until the id has `difficulty` leading zero bits, then signs.
    ///
    /// Any existing `nonce` tag is replaced by `["nonce", <counter>, "<difficulty>"]`, appended last.
    /// Expected work is 2^difficulty hashes. Stops with `.exhausted` after `maxAttempts`, or
    /// `.cancelled` when the calling task is cancelled (checked every 4096 attempts), so it can run
    /// on a cooperative pool without hanging it indefinitely.
    public static func mine(
        kind: Int, tags: [[String]] = [], content: String, createdAt: Int64? = nil, difficulty: Int,
        maxAttempts: UInt64 = 1 << 32, with key: SecretKey
    ) throws(ProofOfWorkError) -> NostrEvent {
        guard (0...256).contains(difficulty) else { throw .invalidDifficulty }
        guard (0...65535).contains(kind) else { throw .invalidEvent(.kindOutOfRange) }
        let timestamp = createdAt ?? currentTimestamp()
        guard timestamp >= 0 else { throw .invalidEvent(.createdAtNegative) }
        let pubkey = key.publicKey.hex
        let baseTags = tags.filter { $0.first != "nonce" }
        let target = String(difficulty)

        // The serialization only varies in the counter digits, so hash the fixed prefix once and
        // fork the hasher state per attempt.
        var prefix = Array("[0,".utf8)
        CanonicalJSON.appendString(pubkey, to: &prefix)
        prefix.append(UInt8(ascii: ","))
        CanonicalJSON.appendInteger(timestamp, to: &prefix)
        prefix.append(UInt8(ascii: ","))
        CanonicalJSON.appendInteger(kind, to: &prefix)
        prefix.append(UInt8(ascii: ","))
        var tagsJSON = [UInt8]()
        CanonicalJSON.appendTags(baseTags, to: &tagsJSON)
        prefix.append(contentsOf: tagsJSON.dropLast())  // reopen the tag list
        if !baseTags.isEmpty { prefix.append(UInt8(ascii: ",")) }
        prefix.append(contentsOf: Array("[\"nonce\",\"".utf8))

        var suffix = Array("\",".utf8)
        CanonicalJSON.appendString(target, to: &suffix)
        suffix.append(contentsOf: Array("]],".utf8))
        CanonicalJSON.appendString(content, to: &suffix)
        suffix.append(UInt8(ascii: "]"))

        var prefixHasher = SHA256()
        prefixHasher.update(data: prefix)

        var counter: UInt64 = 0
        while counter < maxAttempts {
            if counter & 4095 == 0, Task.isCancelled { throw .cancelled }
            let digits = Array(String(counter).utf8)
            var hasher = prefixHasher
            hasher.update(data: digits)
            hasher.update(data: suffix)
            let digest = hasher.finalize()
            if ProofOfWork.leadingZeroBits(digest) >= difficulty {
                let finalTags = baseTags + [["nonce", String(counter), target]]
                do {
                    return try signed(
                        serialization: prefix + digits + suffix, pubkey: pubkey, createdAt: timestamp, kind: kind,
                        tags: finalTags, content: content, key: key)
                } catch {
                    throw .invalidEvent(error)
                }
            }
            counter += 1
        }
        throw .exhausted(attempts: maxAttempts, difficulty: difficulty)
    }
}

extension EventBuilder {
    /// Mines and signs these fields; see `NostrEvent.mine(kind:tags:content:createdAt:difficulty:maxAttempts:with:)`.
    public func mine(difficulty: Int, maxAttempts: UInt64 = 1 << 32, with key: SecretKey) throws(ProofOfWorkError) -> NostrEvent {
        try NostrEvent.mine(
            kind: kind, tags: tags, content: content, createdAt: createdAt, difficulty: difficulty, maxAttempts: maxAttempts,
            with: key)
    }
}
