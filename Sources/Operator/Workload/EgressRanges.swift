#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Where a lease's Pod may not send traffic: every address that is not on the public internet.
///
/// Leases reach the internet (downloads, APIs, their tenant) but nothing of the provider's: not
/// the cluster's Pods and Services, the nodes' private addresses, the provider's LAN, or the
/// cloud metadata service (169.254.169.254, fd00:ec2::254) that hands out node credentials.
/// This is also what keeps leases apart: Pod and Service addresses are private (RFC 1918 or CGNAT
/// space), so one lease cannot open a connection to another lease's Pod. The only way between two
/// leases is the public one, a Service's node port or load balancer, which is exactly what
/// the internet can reach anyway.
public enum EgressRanges {
    public static let allIPv4 = "0.0.0.0/0"
    public static let allIPv6 = "::/0"

    /// The brief's private, link-local and loopback ranges, plus the other special-purpose
    /// ranges that are never public (RFC 6890): "this network", IETF assignments, benchmarking,
    /// multicast and the reserved top block (which includes the broadcast address).
    public static let blockedIPv4 = [
        "0.0.0.0/8",  // "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",  // RFC 1918
        "100.64.0.0/10",  // carrier-grade NAT, used for Pods by some CNIs and by Tailscale
        "127.0.0.0/8",  // loopback
        "169.254.0.0/16",  // link-local, including 169.254.169.254 (cloud metadata)
        "172.16.0.0/12",  // RFC 1918
        "192.0.0.0/24",  // IETF protocol assignments
        "192.168.0.0/16",  // RFC 1918
        "168.63.129.16/32",  // Azure's wire server: public, but it serves the node's platform agent
        "198.18.0.0/15",  // benchmarking, used internally by some networks
        "224.0.0.0/4",  // multicast: discovery protocols on the provider's LAN
        "240.0.0.0/4",  // reserved and broadcast
    ]

    /// IPv4-mapped addresses (::ffff:0:0/96) are not listed: they never leave a host as IPv6
    /// (the kernel sends IPv4, which the list above covers), and the apiserver refuses them as
    /// not inside ::/0, because Go compares them as IPv4 addresses.
    public static let blockedIPv6 = [
        "::1/128",  // loopback
        "64:ff9b::/96",  // NAT64 well-known prefix: would reach any IPv4 address, private ones included
        "64:ff9b:1::/48",  // NAT64 local-use prefix (RFC 8215)
        "fc00::/7",  // unique local, including fd00:ec2::254 (AWS metadata)
        "fe80::/10",  // link-local
        "ff00::/8",  // multicast
    ]

    /// Single-host ranges (`/32`, `/128`) for the given addresses, sorted and without duplicates;
    /// anything that is not an IP address (a node's hostname entry) is left out.
    public static func hostRanges(_ addresses: [String]) -> (ipv4: [String], ipv6: [String]) {
        var ipv4: Set<String> = [], ipv6: Set<String> = []
        for address in addresses {
            if isIPv4(address) { ipv4.insert(address + "/32") } else if isIPv6(address) { ipv6.insert(address.lowercased() + "/128") }
        }
        return (ipv4.sorted(), ipv6.sorted())
    }

    /// The provider's extra ranges by family; anything that is not a CIDR is left out (the
    /// schema refuses most such entries already, and the apiserver would refuse the policy).
    public static func cidrs(_ ranges: [String]) -> (ipv4: [String], ipv6: [String]) {
        var ipv4: [String] = [], ipv6: [String] = []
        for range in ranges {
            let parts = range.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let bits = Int(parts[1]), parts[1].allSatisfy(\.isNumber) else { continue }
            let address = String(parts[0])
            if isIPv4(address), (0...32).contains(bits) { ipv4.append(range) }
            else if isIPv6(address), (0...128).contains(bits) { ipv6.append(address.lowercased() + "/\(bits)") }
        }
        return (ipv4, ipv6)
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber)
                && Int(part).map { $0 <= 255 } == true && !(part.count > 1 && part.hasPrefix("0"))
        }
    }

    static func isIPv6(_ text: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        return text.contains(":") && inet_pton(AF_INET6, text, &buffer) == 1
    }
}
