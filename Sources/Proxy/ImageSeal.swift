import Posix
import Tenancy

/// The key job seals are derived from (`JobOwner.seal`): 32 random bytes
/// kept in the state directory (`image-seal.key`, 0600), so that a job's
/// seal stays the same across restarts of sockwarden and no job, and no
/// client of the main socket, can compute another job's.
struct ImageSealKey: Sendable {
    static let fileName = "image-seal.key"
    let bytes: [UInt8]

    /// Reads the key in `directory`, creating it the first time.
    static func load(directory: String) throws(SystemError) -> ImageSealKey {
        let path = directory + "/" + fileName
        if let existing = try? Files.read(path, limit: 4096), existing.count == 32 {
            return ImageSealKey(bytes: existing)
        }
        var generator = SystemRandomNumberGenerator()
        let fresh = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Files.writeAtomically(path, bytes: fresh, mode: 0o600)
        return ImageSealKey(bytes: fresh)
    }

    /// The job's owner with its seal: HMAC-SHA256(key, id), 32 hex digits.
    func owner(_ id: String) -> JobOwner? {
        JobOwner(id: id, seal: String(SHA256.hexString(Self.hmac(key: bytes, message: Array(id.utf8))).prefix(32)))
    }

    /// RFC 2104 HMAC with SHA-256 (keys up to one 64-byte block).
    static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? SHA256.hash(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(inner.finalize())
        return outer.finalize()
    }
}
