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
/// The rendered bytes are kept per connection number (direct-mapped: a
/// connection usually has one exchange in flight), so the result, rendered
/// after the requests of other connections, still finds its request's. A
/// miss renders the identity as before: a slot taken by another connection
/// (or by a record a job socket makes on the same connection while a build
/// runs: a pull for it, the names it is given), an identity longer than a
/// slot, a long method, target or API version. The bytes do not depend on
/// the chain (`seq`, `prev`), so a restarted chain keeps them.
///
/// Owned by one `AuditLineRenderer` (noncopyable), which deallocates it.
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
        let storage = bytes ?? {
            let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.slots * Self.slotBytes)
            fresh.initialize(repeating: 0, count: Self.slots * Self.slotBytes)
            return fresh
        }()
        bytes = storage
        (storage + i * Self.slotBytes).update(from: identity.baseAddress!, count: identity.count)
        owners[i] = owner
        lengths[i] = identity.count
    }

    /// Empties the slot of `connection` (its box is released now rather
    /// than when the slot is taken again).
    mutating func forget(connection: UInt64) { owners[Self.slot(connection)] = nil }

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
    /// `repeatable` (the result's bounded method, targets and API version
    /// are these; with slots smaller than the bound, a text that long never
    /// fits one anyway; the check keeps that true if the slots grow).
    mutating func rememberIdentity(of r: AuditRecord, from start: Int, repeatable: Bool) {
        guard repeatable else {
            identities.forget(connection: r.connection)
            return
        }
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
