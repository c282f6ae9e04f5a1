import ComputeAPI
import Foundation

/// Which of a request's `relays` the provider also publishes its answers to (pure). Each is a
/// connection opened on a stranger's word, so the rule keeps the provider out of its own
/// network and bounds how many it opens for one request.
enum ReplyRelayRule {
    /// The request's relays that are acceptable and not already among the provider's own, in the
    /// request's order, at most `settings.maxPerRequest`.
    static func extraRelays(requested: [String], own: [String], settings: ReplyRelaySettings) -> [String] {
        let ownSet = Set(own.map(normalized))
        var chosen: [String] = []
        for url in requested where chosen.count < settings.maxPerRequest {
            let key = normalized(url)
            guard !ownSet.contains(key), !chosen.map(normalized).contains(key), accepts(url, settings: settings) else { continue }
            chosen.append(url)
        }
        return chosen
    }

    /// A `ws://` or `wss://` URL with a host that, unless the provider allows it, names no
    /// loopback, private, link-local or otherwise non-public address and no local-only name.
    static func accepts(_ url: String, settings: ReplyRelaySettings) -> Bool {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "ws" || scheme == "wss",
              var host = components.host?.lowercased(), !host.isEmpty, components.user == nil, components.password == nil else { return false }
        if settings.allowPrivateAddresses { return true }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host = String(host.dropLast()) }
        if host == "localhost" || [".localhost", ".local", ".internal", ".lan", ".home.arpa", ".onion"].contains(where: host.hasSuffix) {
            return false
        }
        if let address = IPAddressRange.ipv4(host) { return !EgressRanges.blockedIPv4.contains { IPAddressRange($0)?.contains(v4: address) ?? false } }
        if let address = IPAddressRange.ipv6(host) {
            if let mapped = IPAddressRange.mappedIPv4(address) {
                return !EgressRanges.blockedIPv4.contains { IPAddressRange($0)?.contains(v4: mapped) ?? false }
            }
            return address != [UInt8](repeating: 0, count: 16)
                && !EgressRanges.blockedIPv6.contains { IPAddressRange($0)?.contains(v6: address) ?? false }
        }
        // A bare number or other numeric form some resolvers read as an IPv4 address ("2130706433", "127.1").
        if host.allSatisfy({ $0.isNumber || $0 == "." || $0 == "x" }) { return false }
        return true
    }

    static func normalized(_ url: String) -> String {
        var text = url.lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}

/// A CIDR range, parsed with inet_pton, for the checks above.
struct IPAddressRange {
    let bytes: [UInt8]
    let prefix: Int

    init?(_ cidr: String) {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]) else { return nil }
        let host = String(parts[0])
        guard let bytes = Self.ipv4(host) ?? Self.ipv6(host), prefix >= 0, prefix <= bytes.count * 8 else { return nil }
        self.bytes = bytes
        self.prefix = prefix
    }

    func contains(v4 address: [UInt8]) -> Bool { bytes.count == 4 && matches(address) }
    func contains(v6 address: [UInt8]) -> Bool { bytes.count == 16 && matches(address) }

    private func matches(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var remaining = prefix
        for index in 0..<bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[index] & mask != bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    static func ipv4(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static func ipv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    /// The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d).
    static func mappedIPv4(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return Array(bytes[12..<16])
    }
}
