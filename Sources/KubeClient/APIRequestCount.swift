import Metrics

/// Every request this process makes to the apiserver, by verb and resource, as the counter
/// `ncn_kube_requests_total`: what the operator costs the control plane (scripts/bench scale);
/// and how long each took to answer, as the histogram `ncn_kube_request_duration_seconds`
/// (watches excluded): where a lease's time goes (scripts/bench market's payment step).
public enum APIRequestCount {
    static func record(verb: String, path: String) {
        Counter(label: "ncn_kube_requests_total", dimensions: [("verb", verb), ("resource", resource(ofPath: path))]).increment()
    }

    static func recordDuration(verb: String, path: String, _ duration: Duration) {
        Timer(label: "ncn_kube_request_duration_seconds", dimensions: [("verb", verb), ("resource", resource(ofPath: path))])
            .recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// The resource a request path names, with its subresource: "pods", "computeleases/status",
    /// "pods/log"; "other" for paths outside the resource API (discovery, version).
    public static func resource(ofPath path: String) -> String {
        var parts = path.split(separator: "/").map(String.init)
        switch parts.first {
        case "api": parts.removeFirst(min(2, parts.count))  // api/v1
        case "apis": parts.removeFirst(min(3, parts.count))  // apis/GROUP/VERSION
        default: return "other"
        }
        // namespaces/NS/RESOURCE…: a namespaced resource; namespaces or namespaces/NAME: namespaces themselves.
        if parts.first == "namespaces", parts.count >= 3 { parts.removeFirst(2) }
        guard let resource = parts.first else { return "other" }
        return parts.count >= 3 ? resource + "/" + parts[2] : resource
    }
}
