// "Did you mean ...?" for misspelt keys, route names, groups and methods.

enum Suggest {
    /// The candidate closest to `word` (case-insensitively), if close enough
    /// to be a plausible typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let w = Array(word.lowercased().unicodeScalars)
        guard !w.isEmpty else { return nil }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let c = Array(candidate.lowercased().unicodeScalars)
            let limit = max(2, min(w.count, c.count) / 3)
            let d = distance(w, c)
            if d <= limit, best == nil || d < best!.distance {
                best = (candidate, d)
            }
        }
        return best?.candidate
    }

    /// ` (did you mean "x"?)` or the empty string.
    static func didYouMean(_ word: String, in candidates: [String]) -> String {
        guard let s = closest(to: word, in: candidates), s != word else { return "" }
        return " (did you mean \"\(s)\"?)"
    }

    /// Levenshtein distance, counting an adjacent transposition as one edit.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    v = min(v, previous2[j - 2] + 1)
                }
                current[j] = v
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
