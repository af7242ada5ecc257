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
                    guard let options = mount.volumeOptions else {
                        return refuse("volumes", "lends volume \(mount.name), whose options could not be looked up")
                    }
                    let asks = Self.existingVolumeAsks(driver: mount.driver, options: options, field: ask.field,
                                                       value: "\(spec.container) lends volume \(mount.name)")
                    if let violation = judge(RequestFacts(asks), environment: environment) { return .failure(violation) }
                } else {
                    return refuse("volumes", "lends a \(mount.type) mount, which sockwarden does not judge")
                }
            }
            return .success(spec.pinned(to: id))
        }
    }
}

/// A named volume that may already exist. The daemon mounts an existing
/// volume as it was created, so its driver and options are looked up and
/// judged as if the request had asked for them (a local volume made with
/// `type=none,o=bind,device=/etc` by someone else is the host's /etc). A
/// volume that does not exist is created from the request, whose own driver
/// and options are judged as asked.
extension BodyRules {
    func judgeNamedVolume(_ name: String, ask: Ask, environment: HostEnvironment) -> BodyViolation? {
        switch environment.volume(name) {
        case .notFound:
            return nil
        case .unavailable(let why):
            return BodyViolation(section: "volumes", ask: ask,
                                 message: "cannot be judged: volume \(name) could not be looked up (\(why))")
        case .found(let driver, let options):
            let asks = Self.existingVolumeAsks(driver: driver, options: options, field: ask.field,
                                               value: "\(ask.value), existing volume \(name)")
            return judge(RequestFacts(asks), environment: environment)
        }
    }

    /// What mounting an existing volume asks for: its driver when not the
    /// default, and its options, shown so a denial says what they are.
    static func existingVolumeAsks(driver: String, options: [String: String], field: String, value: String) -> [Ask] {
        var asks: [Ask] = []
        if !driver.utf8.isEmpty && !driver.bytesEqual("local") {
            asks.append(Ask(.volumeDriver(driver), field: field, value: "\(value) (driver \(driver))"))
        }
        if !options.isEmpty {
            let shown = options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: ",")
            asks.append(Ask(.volumeDriverOptions, field: field, value: "\(value) (created with \(shown))"))
        }
        return asks
    }
}
