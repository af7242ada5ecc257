import EngineAPI

/// `VolumesFrom` with `volumes-from = true`: the mounts the named container
/// would lend are looked up on the daemon and judged as if the request had
/// asked for them itself (bind sources against `[host-paths]`, volumes
/// against `[volumes]`). The entry is then pinned to the container's full ID
/// in the forwarded body, so the container judged is the one the daemon uses
/// (a container's mounts cannot change after it is created).
extension BodyRules {
    func judgeVolumesFrom(_ ask: Ask, environment: HostEnvironment) -> Result<String, BodyViolation> {
        func refuse(_ section: String, _ message: String) -> Result<String, BodyViolation> {
            .failure(BodyViolation(section: section, ask: ask, message: message))
        }
        guard let spec = VolumesFromSpec.parse(ask.value) else {
            return refuse("volumes", "is not a VolumesFrom entry the daemon accepts (container[:ro|:rw])")
        }
        switch environment.container(spec.container) {
        case .notFound:
            return refuse("volumes", "names no container the daemon knows")
        case .unavailable(let why):
            return refuse("volumes", "cannot be judged: the mounts of \(spec.container) could not be looked up (\(why))")
        case .found(let id, let mounts):
            for mount in mounts {
                let readOnly = !(mount.readWrite && spec.readWrite)
                if mount.type.bytesEqual("bind") {
                    let shared = mount.propagation.isOneOf(["shared", "rshared", "slave", "rslave"])
                    let lent = Ask(.hostPath(path: mount.source, readOnly: readOnly, sharedPropagation: shared),
                                   field: ask.field, value: "\(spec.container) lends \(mount.source)")
                    if let violation = judge(RequestFacts([lent]), environment: environment) { return .failure(violation) }
                } else if mount.type.bytesEqual("volume") {
                    var asks: [Ask] = []
                    if !mount.driver.utf8.isEmpty && !mount.driver.bytesEqual("local") {
                        asks.append(Ask(.volumeDriver(mount.driver), field: ask.field, value: "\(spec.container) lends volume \(mount.name)"))
                    }
                    if let options = mount.volumeOptions, !options.isEmpty {
                        let shown = options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: ",")
                        asks.append(Ask(.volumeDriverOptions, field: ask.field, value: "\(spec.container) lends volume \(mount.name) (\(shown))"))
                    } else if mount.volumeOptions == nil {
                        return refuse("volumes", "lends volume \(mount.name), whose options could not be looked up")
                    }
                    if let violation = judge(RequestFacts(asks), environment: environment) { return .failure(violation) }
                } else {
                    return refuse("volumes", "lends a \(mount.type) mount, which sockwarden does not judge")
                }
            }
            return .success(spec.pinned(to: id))
        }
    }
}
