/// A `result` record repeats its `request` record's identity members
/// (`conn` to `tagged_for`) byte for byte whenever the request side is the
/// same and none of method, target and API version is long enough for the
/// result's bounded form to differ. The request side lives in one
/// copy-on-write box (`AuditRecord.askedStorage`), so "the same" is "the
/// same box": any write to the request side after admission copies the box,
/// because the queue (and this cache) hold references to it. The cache
/// keeps its own reference for the same reason: a freed box's address could
/// otherwise come back as another record's.
///
/// The rendered bytes are kept per connection number (direct-mapped; a
/// connection has one exchange in flight), so the result, rendered after
/// the requests of other connections, still finds its request's. A miss
/// (a slot taken by another connection, an identity too long for a slot,
/// a chain that restarted) renders the identity as before.
struct RenderedIdentities {
    static let slots = 64
    static let slotBytes = 1024

    private var bytes: UnsafeMutablePointer<UInt8>?
    private var owners: [AnyObject?] = Array(repeating: nil, count: RenderedIdentities.slots)
    private var lengths: [Int] = Array(repeating: 0, count: RenderedIdentities.slots)

    func deallocate() { bytes?.deallocate() }

    private static func slot(_ connection: UInt64) -> Int { Int(connection % UInt64(slots)) }

    /// Keeps `identity` as the rendered request side of `owner`.
    mutating func store(_ identity: UnsafeBufferPointer<UInt8>, owner: AnyObject, connection: UInt64) {
        let i = Self.slot(connection)
        guard identity.count <= Self.slotBytes else {
            owners[i] = nil
            return
        }
        let storage = bytes ?? .allocate(capacity: Self.slots * Self.slotBytes)
        bytes = storage
        (storage + i * Self.slotBytes).update(from: identity.baseAddress!, count: identity.count)
        owners[i] = owner
        lengths[i] = identity.count
    }

    /// Whether the rendered request side of `owner` is kept.
    func kept(owner: AnyObject, connection: UInt64) -> Bool {
        owners[Self.slot(connection)].map { $0 === owner } ?? false
    }

    /// The rendered request side of `owner`, if kept; the slot is emptied
    /// (the result is the request's last record).
    mutating func take(owner: AnyObject, connection: UInt64) -> UnsafeBufferPointer<UInt8>? {
        let i = Self.slot(connection)
        guard let kept = owners[i], kept === owner, let bytes else { return nil }
        owners[i] = nil
        return UnsafeBufferPointer(start: bytes + i * Self.slotBytes, count: lengths[i])
    }
}

extension AuditLineRenderer {
    /// After `identity(r)` rendered from `start`: kept for the result when
    /// the result's bounded method, target and API version are these.
    mutating func rememberIdentity(of r: AuditRecord, from start: Int) {
        let bound = Self.boundedHead + Self.boundedTail + 32
        guard r.method.utf8.count <= bound, r.target.utf8.count <= bound,
              (r.apiVersion?.utf8.count ?? 0) <= bound else { return }
        identities.store(UnsafeBufferPointer(start: base + start, count: count - start),
                         owner: r.askedStorage, connection: r.connection)
    }

    /// Appends the kept identity of `r`'s request side; false when none is kept.
    mutating func repeatIdentity(of r: AuditRecord) -> Bool {
        guard let kept = identities.take(owner: r.askedStorage, connection: r.connection) else { return false }
        bytes(kept)
        return true
    }
}
