import GoJSON
import Tenancy

/// Removes everything a job owns, as Testcontainers' Ryuk does but from the
/// daemon's own labels: containers first (forced, with their anonymous
/// volumes), then networks, then volumes, then images the job built. Each
/// round lists again, so what failed (a network still in use by a container
/// that was just going away) is retried; at most `rounds` rounds.
struct JobReaper: Sendable {
    let owner: JobOwner
    let lookup: DaemonLookup
    var rounds = 3

    struct Removal: Sendable {
        let kind: String
        let id: String
        let status: Int
    }

    struct Report: Sendable {
        var removed: [Removal] = []
        var failed: [Removal] = []
    }

    func reap(onRemoval: (Removal) -> Void) -> Report {
        var report = Report()
        let filter = QueryRewrite.escape("{\"label\":{\"\(owner.labelFilter)\":true}}")
        for round in 1...rounds {
            var failedThisRound: [Removal] = []
            let steps: [(kind: String, list: String, ids: (JSONValue) -> [String], delete: (String) -> String)] = [
                ("container", "/containers/json?all=1&filters=\(filter)", { Self.field($0, "Id") },
                 { "/containers/\($0)?force=1&v=1" }),
                ("network", "/networks?filters=\(filter)", { Self.field($0, "Id") }, { "/networks/\($0)" }),
                ("volume", "/volumes?filters=\(filter)", { Self.field($0.member("Volumes") ?? .array([]), "Name") },
                 { "/volumes/\(DaemonLookup.escape($0))?force=1" }),
                ("image", "/images/json?filters=\(filter)", { Self.field($0, "Id") }, { "/images/\($0)?force=1" }),
            ]
            for step in steps {
                guard case .ok(let listed) = lookup.get(step.list) else {
                    failedThisRound.append(Removal(kind: step.kind, id: "(list)", status: 0))
                    continue
                }
                for id in step.ids(listed) {
                    let status = lookup.delete(step.delete(id))
                    let removal = Removal(kind: step.kind, id: id, status: status)
                    onRemoval(removal)
                    if (200..<300).contains(status) || status == 404 {
                        report.removed.append(removal)
                    } else {
                        failedThisRound.append(removal)
                    }
                }
            }
            if failedThisRound.isEmpty || round == rounds {
                report.failed = failedThisRound
                break
            }
        }
        return report
    }

    static func field(_ list: JSONValue, _ name: String) -> [String] {
        (list.array ?? []).compactMap { $0.member(name)?.string }
    }
}
