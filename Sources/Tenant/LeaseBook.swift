import Foundation

/// One lease this tenant started, as `ncn run` recorded it when it published the request.
public struct LeaseRecord: Codable, Sendable, Hashable {
    public var request: String
    public var provider: String
    public var image: String
    /// Unix seconds the request was published.
    public var createdAt: Int64
    /// The most the tenant agreed to pay in all (the request's `bid`), msats.
    public var maxPriceMsats: Int64
    public var relays: [String]
    /// The uptime `ncn run` or `ncn watch` measured, as the 7900 `uptime` tag writes it.
    public var uptime: String?

    public init(request: String, provider: String, image: String, createdAt: Int64, maxPriceMsats: Int64, relays: [String], uptime: String? = nil) {
        self.request = request
        self.provider = provider
        self.image = image
        self.createdAt = createdAt
        self.maxPriceMsats = maxPriceMsats
        self.relays = relays
        self.uptime = uptime
    }
}

/// `leases.json` in the config directory (mode 600, replaced whole, so a crash leaves the old or
/// the new list): the leases this tenant started, newest last, at most `limit`. It is what
/// `ncn ls` lists and where `ncn watch` and `ncn rate` find the provider and the budget; the
/// state itself always comes from the relays.
public struct LeaseBook: Sendable {
    public let paths: TenantPaths
    public var limit = 500

    public init(paths: TenantPaths) { self.paths = paths }

    public var file: URL { paths.directory.appendingPathComponent("leases.json") }

    public func records() throws(TenantError) -> [LeaseRecord] {
        guard let data = try PrivateFile.read(file) else { return [] }
        do { return try JSONDecoder().decode([LeaseRecord].self, from: data) } catch {
            throw TenantError(.setup, "\(file.path) is not a lease list ncn wrote (\(error)); move it away to start a new one")
        }
    }

    public func record(_ id: String) throws(TenantError) -> LeaseRecord? {
        try records().last { $0.request == id }
    }

    /// Adds `record`, or replaces the one with its request id. Serialized with other ncn
    /// processes by a lock file, so two runs at once do not lose each other's record.
    public func save(_ record: LeaseRecord) throws(TenantError) {
        try locked { () throws(TenantError) in
            var all = try records().filter { $0.request != record.request }
            all.append(record)
            if all.count > limit { all.removeFirst(all.count - limit) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data: Data
            do { data = try encoder.encode(all) } catch { throw TenantError(.setup, "cannot encode the lease list: \(error)") }
            try PrivateFile.write(data, to: file)
        }
    }

    /// Sets the measured uptime of `id`, if it is recorded.
    public func setUptime(_ uptime: String, of id: String) throws(TenantError) {
        guard var record = try record(id) else { return }
        record.uptime = uptime
        try save(record)
    }

    private func locked<T>(_ body: () throws(TenantError) -> T) throws(TenantError) -> T {
        do {
            try FileManager.default.createDirectory(at: paths.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw TenantError(.setup, "cannot create \(paths.directory.path): \(error.localizedDescription)")
        }
        let lock = open(paths.directory.appendingPathComponent(".leases.lock").path, O_CREAT | O_RDWR, 0o600)
        guard lock >= 0 else { throw TenantError(.setup, "cannot open the lock file in \(paths.directory.path): \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN) }
        return try body()
    }
}
