import KubeQuantity

extension ComputeRequest {
    /// Reads a kind 5900 event. Signature, size, expiration and proof of work are the caller's
    /// checks (`NostrEvent.validate()`, `isExpired`, `satisfiesProofOfWork`); this reads the
    /// compute spec only.
    ///
    /// - Parameter key: the provider's key, which opens requests encrypted to it. The tenant's
    ///   own key also works (it opens its request with the `p` tag's pubkey). Without a key,
    ///   encrypted requests are `.notCompute`.
    /// - Throws: a `ComputeRequestError` whose description tells the tenant what to fix.
    public static func parse(_ event: NostrEvent, key: SecretKey? = nil) throws(ComputeRequestError) -> Parsed {
        guard event.kind == ComputeKinds.request else { return .notCompute }
        var tags = event.tags
        var encryption: ComputeEncryption?
        if event.hasTag(ComputeTag.encrypted) {
            guard let key, let opened = try open(event, key: key) else { return .notCompute }
            encryption = opened.scheme
            // Only these are meaningful in public: relays index p, expiration and nonce must be
            // seen by relays; copies inside the content are ignored.
            let publicOnly: Set<String> = [ComputeTag.pubkey, ComputeTag.encrypted, ComputeTag.expiration, ComputeTag.nonce]
            tags += opened.tags.filter { !publicOnly.contains($0.first ?? "") }
        }
        let params = tags.filter { $0.first == ComputeTag.param && $0.count >= 2 }
        guard params.contains(where: { ComputeParam.all.contains($0[1]) }) else { return .notCompute }
        var reader = ParamReader(encrypted: encryption != nil)
        for param in params { try reader.read(param) }
        return .request(try reader.request(event: event, tags: tags, encryption: encryption))
    }

    /// The sealed tags, nil when the request is not addressed to `key`.
    private static func open(_ event: NostrEvent, key: SecretKey) throws(ComputeRequestError) -> (scheme: ComputeEncryption, tags: [[String]])? {
        let me = key.publicKey.hex
        let peerHex: String
        if me == event.pubkey {
            guard let provider = event.firstTagValue(ComputeTag.pubkey) else { return nil }
            peerHex = provider
        } else {
            guard event.referencedPubkeys.contains(me) else { return nil }
            peerHex = event.pubkey
        }
        guard let peer = try? PublicKey(hex: peerHex) else { return nil }
        switch ComputeCipher.open(event.content, key: key, peer: peer) {
        case .success(let (scheme, tags)):
            return (scheme, tags)
        case .failure(.undecryptable(let scheme, let why)):
            throw .undecryptable(
                "the encrypted content cannot be decrypted as \(scheme == .nip44 ? "NIP-44 v2" : "NIP-04") (\(why)): encrypt the JSON "
                    + "array of tags with your key to the provider's pubkey \(me), the one in the [\"p\"] tag")
        case .failure(.notTagArray(let scheme)):
            throw .undecryptable(
                "the \(scheme == .nip44 ? "NIP-44" : "NIP-04") content decrypts, but not to a JSON array of tags: encrypt "
                    + "[[\"param\",\"image\",\"…\"],[\"param\",\"cpu\",\"…\"],…] with every value a string")
        }
    }
}

/// Accumulates `param` tags in order, then checks what must be present.
private struct ParamReader {
    let encrypted: Bool
    var single: [String: [String]] = [:]
    var env: [ComputeEnvVar] = []
    var secretEnv: [ComputeEnvVar] = []
    var ports: [ComputePort] = []
    var cashuTokens: [String] = []

    init(encrypted: Bool) { self.encrypted = encrypted }

    mutating func read(_ tag: [String]) throws(ComputeRequestError) {
        let key = tag[1]
        let values = Array(tag.dropFirst(2))
        switch key {
        case ComputeParam.image, ComputeParam.cpu, ComputeParam.memory, ComputeParam.gpus, ComputeParam.gpuModel, ComputeParam.disk,
             ComputeParam.command, ComputeParam.args, ComputeParam.duration, ComputeParam.rail, ComputeParam.category, ComputeParam.escrow:
            guard single[key] == nil else { throw .duplicateParam(key) }
            guard !values.isEmpty else { throw .emptyParam(key) }
            single[key] = values
        case ComputeParam.env, ComputeParam.secretEnv:
            try readEnv(key, values)
        case ComputeParam.port:
            try readPort(values)
        case ComputeParam.cashu:
            guard let token = values.first, !token.isEmpty else { throw .emptyParam(key) }
            guard token.hasPrefix("cashuA") || token.hasPrefix("cashuB"), token.utf8.count <= ComputeWireLimits.cashuTokenLength else {
                throw .invalid(key, "the cashu param is not a Cashu token: it must be one serialized token starting with cashuB (or the legacy cashuA), "
                    + "at most \(ComputeWireLimits.cashuTokenLength) characters")
            }
            guard cashuTokens.count < ComputeWireLimits.cashuTokens else {
                throw .tooMany(key, "more than \(ComputeWireLimits.cashuTokens) cashu tokens: merge them into one token")
            }
            cashuTokens.append(token)
        default:
            break  // Unknown params are someone's extension; ignoring them lets the vocabulary grow.
        }
    }

    private mutating func readEnv(_ key: String, _ values: [String]) throws(ComputeRequestError) {
        guard let name = values.first, !name.isEmpty else {
            throw .invalid(key, "[\"param\",\"\(key)\"] needs a name and a value: [\"param\",\"\(key)\",\"NAME\",\"value\"]")
        }
        guard ComputeTagValues.isEnvName(name) else {
            throw .invalid(key, "\(key) name \(ComputeTagValues.quoted(name)) is not a valid variable name: use letters, digits, '_', '-' and '.', "
                + "not starting with a digit, at most \(ComputeWireLimits.envNameLength.upperBound) characters")
        }
        if key == ComputeParam.secretEnv, !encrypted {
            throw .secretInPlain(key, "secret-env \(name) is in a plain request, where anyone can read it: treat that secret as leaked, "
                + "and send secrets only inside an encrypted request (NIP-44 to the provider's pubkey, with [\"encrypted\"] and a [\"p\"] tag)")
        }
        let value = values.count >= 2 ? values[1] : ""
        guard value.utf8.count <= ComputeWireLimits.envValueLength else {
            throw .invalid(key, "\(key) \(name) has a value of \(value.utf8.count) bytes; at most \(ComputeWireLimits.envValueLength) are allowed")
        }
        guard !(env + secretEnv).contains(where: { $0.name == name }) else {
            throw .duplicate(key, "environment variable \(name) is set more than once (env and secret-env together): keep one")
        }
        guard env.count + secretEnv.count < ComputeWireLimits.envVars else {
            throw .tooMany(key, "more than \(ComputeWireLimits.envVars) environment variables (env and secret-env together)")
        }
        if key == ComputeParam.env { env.append(ComputeEnvVar(name: name, value: value)) } else { secretEnv.append(ComputeEnvVar(name: name, value: value)) }
    }

    private mutating func readPort(_ values: [String]) throws(ComputeRequestError) {
        let key = ComputeParam.port
        guard let text = values.first, !text.isEmpty else { throw .emptyParam(key) }
        guard let number = ComputeTagValues.int(text), ComputeWireLimits.port.contains(number) else {
            throw .invalid(key, "port \(ComputeTagValues.quoted(text)) must be a whole number from 1 to 65535, e.g. [\"param\",\"port\",\"8080\",\"tcp\"]")
        }
        let protoText = values.count >= 2 && !values[1].isEmpty ? values[1] : ComputePortProtocol.tcp.rawValue
        guard let proto = ComputePortProtocol(rawValue: protoText) else {
            throw .invalid(key, "port \(number) has protocol \(ComputeTagValues.quoted(protoText)); it must be tcp or udp (lower case)")
        }
        let name = values.count >= 3 && !values[2].isEmpty ? values[2] : nil
        if let name, !ComputeTagValues.isPortName(name) {
            throw .invalid(key, "port \(number) has name \(ComputeTagValues.quoted(name)); a port name is 1 to 15 lower-case letters, digits "
                + "and inner dashes with at least one letter, e.g. http or ssh")
        }
        guard !ports.contains(where: { $0.port == number && $0.protocol == proto }) else {
            throw .duplicate(key, "port \(number)/\(proto.rawValue) is declared more than once: keep one")
        }
        if let name, ports.contains(where: { $0.name == name }) {
            throw .duplicate(key, "port name \(name) is used by two ports: names must be unique")
        }
        guard ports.count < ComputeWireLimits.ports else { throw .tooMany(key, "more than \(ComputeWireLimits.ports) ports") }
        ports.append(ComputePort(port: number, protocol: proto, name: name))
    }

    func request(event: NostrEvent, tags: [[String]], encryption: ComputeEncryption?) throws(ComputeRequestError) -> ComputeRequest {
        guard let image = single[ComputeParam.image]?.first else {
            throw .missingParam(ComputeParam.image, example: "\"<registry>/<repository>:<tag>\"], e.g. \"ghcr.io/org/app:1.2\"")
        }
        guard ComputeWireLimits.imageLength.contains(image.utf8.count), !image.contains(where: { $0.isWhitespace || $0.isNewline }),
              image.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value < 0x7f }) else {
            throw .invalid(ComputeParam.image, "image \(ComputeTagValues.quoted(image)) is not an image reference: write "
                + "registry/repository:tag or registry/repository@sha256:digest in printable ASCII without spaces, at most "
                + "\(ComputeWireLimits.imageLength.upperBound) characters, e.g. ghcr.io/org/app:1.2")
        }
        let resources = try readResources()
        let command = try words(ComputeParam.command, limit: ComputeWireLimits.commandItems)
        let args = try words(ComputeParam.args, limit: ComputeWireLimits.argItems)
        guard let durationText = single[ComputeParam.duration]?.first else {
            throw .missingParam(ComputeParam.duration, example: "\"<seconds>\"], e.g. \"3600\" for an hour")
        }
        guard let duration = ComputeTagValues.int(durationText), ComputeWireLimits.durationSeconds.contains(duration) else {
            throw .invalid(ComputeParam.duration, "duration \(ComputeTagValues.quoted(durationText)) must be a positive whole number of seconds, "
                + "at most \(ComputeWireLimits.durationSeconds.upperBound), e.g. [\"param\",\"duration\",\"3600\"]")
        }
        let bid = try readBid(tags)
        let rail = try readRail()
        let category = single[ComputeParam.category]?.first
        if let category, !ComputeCategory.isValid(category) {
            throw .invalid(ComputeParam.category, "category \(ComputeTagValues.quoted(category)) is not a workload category: write lower-case "
                + "letters and digits, words joined by single dashes, at most \(ComputeWireLimits.categoryLength.upperBound) characters, "
                + "one of those in the provider's offer, e.g. [\"param\",\"category\",\"inference\"]")
        }
        let escrow = try readEscrow(rail: rail)
        let relays = try readRelays(tags)
        return ComputeRequest(
            id: event.id, tenant: event.pubkey, createdAt: event.createdAt, image: image, command: command, args: args, env: env,
            secretEnv: secretEnv, resources: resources, ports: ports, durationSeconds: duration, bidMsats: bid, rail: rail,
            cashuTokens: cashuTokens, relays: relays, providers: event.referencedPubkeys, expiration: event.expiration,
            encryption: encryption, category: category, escrowArbitrator: escrow)
    }

    private func readResources() throws(ComputeRequestError) -> ComputeResources {
        guard let cpu = single[ComputeParam.cpu]?.first else {
            throw .missingParam(ComputeParam.cpu, example: "\"<cores>\"], e.g. \"2\" (cores) or \"500m\" (millicores)")
        }
        guard let millicores = KubeQuantity.millicores(cpu) else {
            throw .invalid(ComputeParam.cpu, "cpu \(ComputeTagValues.quoted(cpu)) is not a Kubernetes CPU quantity: write cores (\"2\", \"0.5\") "
                + "or millicores (\"500m\")")
        }
        guard ComputeWireLimits.cpuMillicores.contains(millicores) else {
            throw .invalid(ComputeParam.cpu, "cpu \(ComputeTagValues.quoted(cpu)) is out of range: ask for at least 1m (one millicore) and at most "
                + "\(ComputeWireLimits.cpuMillicores.upperBound / 1000) cores")
        }
        guard let memory = single[ComputeParam.memory]?.first else {
            throw .missingParam(ComputeParam.memory, example: "\"<bytes>\"], e.g. \"8Gi\" or \"512Mi\"")
        }
        guard let bytes = KubeQuantity.bytes(memory) else {
            throw .invalid(ComputeParam.memory, "memory \(ComputeTagValues.quoted(memory)) is not a Kubernetes memory quantity: write bytes with "
                + "a binary suffix (\"512Mi\", \"8Gi\") or a decimal one (\"8G\"); \"GB\" and \"gb\" are not suffixes")
        }
        guard ComputeWireLimits.memoryBytes.contains(bytes) else {
            throw .invalid(ComputeParam.memory, "memory \(ComputeTagValues.quoted(memory)) is out of range: ask for at least 16Mi and at most 64Ti")
        }
        var gpus = 0
        if let text = single[ComputeParam.gpus]?.first {
            guard let count = ComputeTagValues.int(text), ComputeWireLimits.gpus.contains(count) else {
                throw .invalid(ComputeParam.gpus, "gpus \(ComputeTagValues.quoted(text)) must be a whole number of GPUs from 0 to "
                    + "\(ComputeWireLimits.gpus.upperBound)")
            }
            gpus = count
        }
        let model = single[ComputeParam.gpuModel]?.first
        if let model, !ComputeTagValues.isLabelValue(model) {
            throw .invalid(ComputeParam.gpuModel, "gpu-model \(ComputeTagValues.quoted(model)) is not a GPU model name: 1 to 63 letters, digits, "
                + "'-', '_' or '.', starting and ending with a letter or digit, as in the provider's offer (e.g. NVIDIA-H100-80GB-HBM3)")
        }
        if gpus > 0, model == nil {
            throw .conflict(ComputeParam.gpuModel, "gpus is \(gpus) but gpu-model is missing: add [\"param\",\"gpu-model\",\"<model>\"] "
                + "with a model from the provider's offer, e.g. NVIDIA-H100-80GB-HBM3")
        }
        if gpus == 0, model != nil {
            throw .conflict(ComputeParam.gpus, "gpu-model is given but no GPUs are asked for: add [\"param\",\"gpus\",\"1\"] or remove gpu-model")
        }
        let disk = single[ComputeParam.disk]?.first
        var diskBytes: Int64?
        if let disk {
            guard let amount = KubeQuantity.bytes(disk) else {
                throw .invalid(ComputeParam.disk, "disk \(ComputeTagValues.quoted(disk)) is not a Kubernetes quantity of bytes: write it with a "
                    + "binary suffix (\"20Gi\", \"512Mi\") or a decimal one (\"20G\"); \"GB\" and \"gb\" are not suffixes")
            }
            guard ComputeWireLimits.diskBytes.contains(amount) else {
                throw .invalid(ComputeParam.disk, "disk \(ComputeTagValues.quoted(disk)) is out of range: ask for at least 64Mi and at most 64Ti")
            }
            diskBytes = amount
        }
        return ComputeResources(cpu: cpu, memory: memory, cpuMillicores: millicores, memoryBytes: bytes, gpus: gpus, gpuModel: model,
                                disk: disk, diskBytes: diskBytes)
    }

    private func words(_ key: String, limit: Int) throws(ComputeRequestError) -> [String]? {
        guard let words = single[key] else { return nil }
        guard words.count <= limit else { throw .tooMany(key, "\(key) has \(words.count) items; at most \(limit) are allowed") }
        if let index = words.firstIndex(where: { $0.utf8.count > ComputeWireLimits.argLength }) {
            throw .invalid(key, "\(key) item \(index + 1) is \(words[index].utf8.count) bytes long; at most \(ComputeWireLimits.argLength) are allowed")
        }
        return words
    }

    private func readBid(_ tags: [[String]]) throws(ComputeRequestError) -> Int64 {
        let bids = tags.filter { $0.first == ComputeTag.bid }
        guard let bid = bids.first else { throw .missingBid() }
        guard bids.count == 1 else { throw .duplicateParam(ComputeTag.bid) }
        let text = bid.count >= 2 ? bid[1] : ""
        guard let msats = ComputeTagValues.integer(text), ComputeWireLimits.msats.contains(msats) else { throw .invalidBid(text) }
        return msats
    }

    /// The arbitrator's key; escrow is Cashu ecash (§7.7), so it needs the Cashu rail.
    private func readEscrow(rail: ComputeRail) throws(ComputeRequestError) -> String? {
        guard let text = single[ComputeParam.escrow]?.first else { return nil }
        guard (try? PublicKey(hex: text)) != nil, text == text.lowercased() else {
            throw .invalid(ComputeParam.escrow, "escrow \(ComputeTagValues.quoted(text)) is not an arbitrator's public key: write its 64 "
                + "lower-case hex digits, one of the arbitrators in the provider's offer, e.g. [\"param\",\"escrow\",\"<hex pubkey>\"]")
        }
        guard rail == .cashu else {
            throw .conflict(ComputeParam.escrow, "escrow is paid in Cashu ecash, but rail is lightning: set [\"param\",\"rail\",\"cashu\"] or remove the escrow param")
        }
        return text
    }

    private func readRail() throws(ComputeRequestError) -> ComputeRail {
        guard let text = single[ComputeParam.rail]?.first else { return cashuTokens.isEmpty && single[ComputeParam.escrow] == nil ? .lightning : .cashu }
        guard let rail = ComputeRail(rawValue: text) else {
            throw .invalid(ComputeParam.rail, "rail \(ComputeTagValues.quoted(text)) must be lightning or cashu")
        }
        if rail == .lightning, !cashuTokens.isEmpty {
            throw .conflict(ComputeParam.rail, "a cashu token is attached but rail is lightning: set [\"param\",\"rail\",\"cashu\"] or remove the token")
        }
        return rail
    }

    private func readRelays(_ tags: [[String]]) throws(ComputeRequestError) -> [String] {
        var relays: [String] = []
        for tag in tags where tag.first == ComputeTag.relays {
            for url in tag.dropFirst() where !relays.contains(url) {
                guard ComputeTagValues.isRelayURL(url) else {
                    throw .invalid(ComputeTag.relays, "relay \(ComputeTagValues.quoted(url)) is not a relay URL: write ws:// or wss:// followed by "
                        + "a host, at most \(ComputeWireLimits.relayURLLength) characters")
                }
                // Checked as it grows, so a request stuffed with relays costs no more than 17 of them.
                guard relays.count < ComputeWireLimits.relays else {
                    throw .tooMany(ComputeTag.relays, "more than \(ComputeWireLimits.relays) relays; list at most \(ComputeWireLimits.relays)")
                }
                relays.append(url)
            }
        }
        return relays
    }
}
