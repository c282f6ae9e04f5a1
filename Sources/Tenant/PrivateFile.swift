import Foundation

/// Files only the user may read: written whole to a mode-600 temporary file and renamed over the
/// old one, so a crash leaves the old file or the new one, never half of one.
enum PrivateFile {
    static func write(_ data: Data, to url: URL) throws(TenantError) {
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw TenantError(.setup, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UInt32.random(in: 0 ... .max)).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw TenantError(.setup, "cannot write \(temporary.path): check that \(directory.path) is writable")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw TenantError(.setup, "cannot replace \(url.path): \(reason)")
        }
    }

    /// The file's contents, or nil when it does not exist. Refuses a file others can read.
    static func read(_ url: URL) throws(TenantError) -> Data? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        if let mode = (attributes?[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw TenantError(.setup, "\(url.path) can be read by others (mode \(String(mode, radix: 8))): run chmod 600 \(url.path)")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TenantError(.setup, "cannot read \(url.path): check its owner and mode")
        }
        return data
    }
}
