/// Which struct field a JSON object key lands in.
///
/// ## Go's rule (go1.19.8, dockerd 20.10)
/// `decodeState.object` looks the key up in `nameIndex` (exact byte match);
/// failing that it walks the fields in encoding/json's field order and takes
/// the first whose `equalFold` accepts the key. `equalFold` is chosen per
/// field name by `foldFunc` (fold.go):
/// - `bytes.EqualFold` if the name has a non-ASCII byte;
/// - `equalFoldRight` if the name has a `k`, `K`, `s` or `S`: ASCII bytes
///   compare case-insensitively, and the key may spell `k`/`K` as U+212A
///   KELVIN SIGN and `s`/`S` as U+017F LATIN SMALL LETTER LONG S;
/// - `asciiEqualFold` if the name has non-letters: same length, letters
///   case-insensitive, other bytes exact;
/// - `simpleLetterEqualFold` otherwise: same length, `b & 0xDF` equal.
///
/// ## go1.21+ (go1.24, dockerd 28.x)
/// `byExactName[key]`, else `byFoldedName[foldName(key)]`, where `foldName`
/// upper-cases ASCII and maps every other rune to the smallest rune of its
/// `unicode.SimpleFold` orbit, and the folded index keeps the FIRST field (in
/// field order) for each folded name.
///
/// ## Where they differ, and what we do
/// For ASCII field names they accept exactly the same keys and pick the same
/// field: the only non-ASCII runes whose fold orbit contains an ASCII
/// character are U+212A (→ K) and U+017F (→ S) — checked by enumerating every
/// rune with the unicode tables of both go1.19.8 and go1.24.11 — and both
/// versions prefer the exact match, then the first fold match in field order.
/// So for ASCII names we implement the 1.19 rule above, which is also 1.24's.
///
/// For a NON-ASCII field name the two versions use different Unicode tables
/// (Unicode 13 vs 15) and different algorithms, and we carry no Unicode fold
/// tables; so when the key does not match any field exactly and the fold
/// search reaches a non-ASCII field name before an ASCII field accepted the
/// key, we REJECT the body (`.custom`) instead of guessing. Docker's request
/// types have no non-ASCII field names, so this never refuses a real body.
///
/// Schemas must list `GoStruct.fields` in encoding/json's field order (Go
/// declaration order, promoted fields of an embedded struct at the embedded
/// field's position): the first fold match in that order wins.
///
/// Field names are compared as UTF-8 bytes, never with Swift's `==`, which
/// treats canonically equivalent strings as equal (U+212A == "K" in Swift!).
enum GoFieldMatch {
    enum Outcome {
        case field(Int)
        case unknown
        case undecidable(String)
    }

    static func match(key: [UInt8], in st: GoStruct) -> Outcome {
        if let i = st.exactIndex[key] { return .field(i) }
        // All-ASCII names: one look-up of the folded key instead of a walk
        // over every field (HostConfig has ~130: 1 MiB of unknown keys cost
        // 40 ms of the event loop that way).
        if let folds = st.index.foldIndex {
            return folds[folded(key)].map { .field($0) } ?? .unknown
        }
        return scan(key: key, in: st)
    }

    /// Go 1.19's walk over the fields in field order (what `foldIndex`
    /// answers in one look-up for all-ASCII names), after the exact match.
    static func scan(key: [UInt8], in st: GoStruct) -> Outcome {
        for (i, name) in st.nameBytes.enumerated() {
            if st.hasNonASCIIName && name.contains(where: { $0 >= 0x80 }) {
                return .undecidable("key \"\(String(decoding: key, as: UTF8.self))\" could case-fold to the non-ASCII field name \"\(st.fields[i].name)\"; Go 1.19 and 1.24 fold non-ASCII names with different Unicode tables, so we refuse to guess")
            }
            if asciiNameFoldMatches(name: name, key: key) { return .field(i) }
        }
        return .unknown
    }

    /// A key or ASCII name as `asciiNameFoldMatches` compares it: ASCII
    /// letters upper-cased, KELVIN SIGN (E2 84 AA) as `K`, LONG S (C5 BF) as
    /// `S`, every other byte as it is. For an all-ASCII `name`,
    /// `asciiNameFoldMatches(name: name, key: key)` holds exactly when
    /// `folded(name) == folded(key)`: a non-letter byte of the name must be
    /// the same byte in the key, a letter either case of it, `k`/`K` also
    /// KELVIN SIGN and `s`/`S` also LONG S, and any other non-ASCII byte of
    /// the key matches nothing (it stays >= 0x80, and the name has none).
    static func folded(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b >= 0x61 && b <= 0x7A {
                out.append(b & 0xDF)
            } else if b == 0xE2, i + 2 < n, bytes[i + 1] == 0x84, bytes[i + 2] == 0xAA {
                out.append(UInt8(ascii: "K"))
                i += 3
                continue
            } else if b == 0xC5, i + 1 < n, bytes[i + 1] == 0xBF {
                out.append(UInt8(ascii: "S"))
                i += 2
                continue
            } else {
                out.append(b)
            }
            i += 1
        }
        return out
    }

    /// go1.19's equalFoldRight / asciiEqualFold / simpleLetterEqualFold for
    /// an all-ASCII name (they agree with each other and with go1.24's
    /// foldName on ASCII names, see above).
    static func asciiNameFoldMatches(name: [UInt8], key: [UInt8]) -> Bool {
        var k = 0
        for nb in name {
            guard k < key.count else { return false }
            let kb = key[k]
            if kb < 0x80 {
                if kb != nb {
                    let upper = nb & 0xDF
                    guard upper >= 0x41 && upper <= 0x5A, upper == kb & 0xDF else { return false }
                }
                k += 1
                continue
            }
            // Non-ASCII key rune: only KELVIN SIGN for k/K, LONG S for s/S.
            if nb == UInt8(ascii: "k") || nb == UInt8(ascii: "K") {
                guard k + 3 <= key.count, key[k] == 0xE2, key[k + 1] == 0x84, key[k + 2] == 0xAA else { return false }
                k += 3
            } else if nb == UInt8(ascii: "s") || nb == UInt8(ascii: "S") {
                guard k + 2 <= key.count, key[k] == 0xC5, key[k + 1] == 0xBF else { return false }
                k += 2
            } else {
                return false
            }
        }
        return k == key.count
    }
}
