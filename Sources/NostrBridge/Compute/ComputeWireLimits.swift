/// Bounds a request must respect to be well-formed. They match the ComputeLease schema's hard
/// limits (ComputeAPI's `ComputeLimits`), so a request that parses always fits in a lease; the
/// provider's own policy (maximum duration, allowed ports, GPUs per lease) narrows them later.
public enum ComputeWireLimits {
    public static let imageLength = 1...1_024
    /// 1 millicore up to 4096 cores.
    public static let cpuMillicores: ClosedRange<Int64> = 1...4_096_000
    /// 16 MiB (below it container runtimes refuse or OOM at start) up to 64 TiB.
    public static let memoryBytes: ClosedRange<Int64> = (16 << 20)...(64 << 40)
    public static let gpus = 0...64
    /// Local disk (ephemeral-storage): 64 MiB (a writable layer and some logs) up to 64 TiB.
    public static let diskBytes: ClosedRange<Int64> = (64 << 20)...(64 << 40)
    public static let gpuModelLength = 1...63
    public static let commandItems = 64
    public static let argItems = 256
    public static let argLength = 4_096
    /// Plain and secret variables together.
    public static let envVars = 128
    public static let envNameLength = 1...256
    public static let envValueLength = 32_768
    public static let ports = 16
    public static let port = 1...65_535
    public static let portNameLength = 1...15
    public static let categoryLength = 1...32
    public static let durationSeconds = 1...31_536_000
    /// Up to 21 million BTC in millisatoshis.
    public static let msats: ClosedRange<Int64> = 1...2_100_000_000_000_000_000
    public static let relays = 16
    public static let relayURLLength = 512
    public static let cashuTokens = 4
    public static let cashuTokenLength = 65_536
}
