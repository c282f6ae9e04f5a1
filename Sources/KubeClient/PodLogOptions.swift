import Foundation

/// The query of `GET /api/v1/namespaces/{ns}/pods/{pod}/log` (Kubernetes' PodLogOptions).
public struct PodLogOptions: Sendable, Equatable {
    public var container: String?
    /// Keep the stream open and send lines as they are written, until the container stops.
    public var follow = false
    /// Prefix each line with its RFC 3339 timestamp and a space.
    public var timestamps = true
    /// Lines from this second on (the apiserver's `sinceTime` has whole seconds).
    public var sinceTime: Int64?
    public var sinceSeconds: Int?
    public var tailLines: Int?
    /// The apiserver stops after this many bytes (the kubelet may overshoot by part of a line).
    public var limitBytes: Int?

    public init(container: String? = nil, follow: Bool = false, timestamps: Bool = true, sinceTime: Int64? = nil, sinceSeconds: Int? = nil,
                tailLines: Int? = nil, limitBytes: Int? = nil) {
        self.container = container
        self.follow = follow
        self.timestamps = timestamps
        self.sinceTime = sinceTime
        self.sinceSeconds = sinceSeconds
        self.tailLines = tailLines
        self.limitBytes = limitBytes
    }

    /// The query items, in a fixed order. `sinceTime` wins over `sinceSeconds` (the apiserver refuses both).
    public var query: [(String, String)] {
        var items: [(String, String)] = []
        if let container { items.append(("container", container)) }
        if follow { items.append(("follow", "true")) }
        if timestamps { items.append(("timestamps", "true")) }
        if let sinceTime {
            items.append(("sinceTime", Self.rfc3339(sinceTime)))
        } else if let sinceSeconds {
            items.append(("sinceSeconds", String(max(1, sinceSeconds))))
        }
        if let tailLines { items.append(("tailLines", String(tailLines))) }
        if let limitBytes { items.append(("limitBytes", String(max(1, limitBytes)))) }
        return items
    }

    static func rfc3339(_ unixSeconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unixSeconds)))
    }
}
