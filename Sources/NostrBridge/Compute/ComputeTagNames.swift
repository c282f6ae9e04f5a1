/// Tag names on the wire. The draft's tag table is written from these; renaming one here is a
/// protocol change.
public enum ComputeTag {
    // NIP-01 / NIP-90 tags used as they are defined there.
    public static let event = "e"
    public static let pubkey = "p"
    public static let identifier = "d"
    public static let kind = "k"
    public static let param = "param"
    public static let bid = "bid"
    public static let relays = "relays"
    public static let encrypted = "encrypted"
    public static let status = "status"
    public static let amount = "amount"
    public static let expiration = "expiration"
    public static let nonce = "nonce"

    // Result (6900) tags.
    public static let price = "price"
    public static let cost = "cost"
    public static let interval = "interval"
    public static let grace = "grace"
    public static let duration = "duration"
    public static let total = "total"
    public static let rail = "rail"
    public static let endpoint = "endpoint"
    public static let paidUntil = "paid-until"
    public static let reason = "reason"
    public static let exitCode = "exit-code"
    public static let refund = "refund"

    // Feedback (7000) and offer (31900) tags.
    public static let tranche = "tranche"
    public static let mint = "mint"
    public static let p2pk = "p2pk"
    public static let region = "region"
    public static let capacity = "capacity"
    public static let maxDuration = "max-duration"
    public static let maxGPUs = "max-gpus"
    public static let registry = "registry"
    public static let ports = "ports"
    public static let label = "label"
    public static let lead = "lead"
    public static let bidLifetime = "bid-lifetime"
    public static let replyRelays = "reply-relays"
    public static let refunds = "refunds"
    public static let proofOfWork = "pow"
    public static let defaultDisk = "default-disk"
    public static let maxDisk = "max-disk"
    public static let category = "category"
    public static let escrow = "escrow"
    public static let arbitrator = "arbitrator"

    // Escrow (§7.7): signatures (7901) and disputes (7900).
    public static let winner = "winner"
    public static let report = "report"
    public static let proof = "proof"

    // Log request (25900) and log chunk (26900) tags, §5.4.
    public static let follow = "follow"
    public static let since = "since"
    public static let after = "after"
    public static let tail = "tail"
    public static let sequence = "seq"
    public static let line = "line"
    public static let end = "end"
}

/// Keys of the request's `["param", key, value…]` tags. Any one of them marks a 5900 as a compute
/// request; unknown keys are ignored so that the vocabulary can grow.
public enum ComputeParam {
    public static let image = "image"
    public static let cpu = "cpu"
    public static let memory = "memory"
    public static let gpus = "gpus"
    public static let gpuModel = "gpu-model"
    public static let disk = "disk"
    public static let command = "command"
    public static let args = "args"
    public static let env = "env"
    public static let secretEnv = "secret-env"
    public static let port = "port"
    public static let duration = "duration"
    public static let rail = "rail"
    public static let cashu = "cashu"
    public static let category = "category"
    public static let escrow = "escrow"

    public static let all: Set<String> = [image, cpu, memory, gpus, gpuModel, disk, command, args, env, secretEnv, port, duration, rail, cashu,
                                          category, escrow]
}
