import GoJSON

// Body of POST /volumes/create:
// - 20.10: volume.VolumeCreateBody { Driver; DriverOpts; Labels; Name } (no omitempty)
// - 28.x : volume.CreateOptions { ClusterVolumeSpec *ClusterVolumeSpec; Driver;
//          DriverOpts; Labels; Name } (all omitempty)
// 28.x creates a swarm cluster (CSI) volume instead of a local one when
// ClusterVolumeSpec is non-nil AND the API version is >= 1.42.
//
// Security note: with the built-in "local" driver, DriverOpts are mount(8)
// arguments: {"type":"none","o":"bind","device":"/any/host/path"} makes a
// volume that bind-mounts an arbitrary host path (also "type":"nfs"/"cifs"
// with "o":"addr=..." to mount remote filesystems). Plugins get DriverOpts
// verbatim.

extension BodySchemas {
    public enum Volume {
        public static let typeMount = GoStruct("volume.TypeMount", [
            GoField("FsType", GT.string, omitEmpty: true),
            GoField("MountFlags", GT.strings, omitEmpty: true),
        ])

        public static let accessMode = GoStruct("volume.AccessMode", [
            GoField("Scope", GT.string, omitEmpty: true),
            GoField("Sharing", GT.string, omitEmpty: true),
            GoField("MountVolume", GT.ptr(.structure(typeMount)), omitEmpty: true),
            GoField("BlockVolume", GT.ptr(GT.emptyStruct), omitEmpty: true),
        ])

        public static let topology = GoStruct("volume.Topology", [
            GoField("Segments", GT.stringMap, omitEmpty: true),
        ])

        public static let topologyRequirement = GoStruct("volume.TopologyRequirement", [
            GoField("Requisite", GT.slice(.structure(topology)), omitEmpty: true),
            GoField("Preferred", GT.slice(.structure(topology)), omitEmpty: true),
        ])

        public static let capacityRange = GoStruct("volume.CapacityRange", [
            GoField("RequiredBytes", GT.int64),
            GoField("LimitBytes", GT.int64),
        ])

        public static let secret = GoStruct("volume.Secret", [
            GoField("Key", GT.string),
            GoField("Secret", GT.string),
        ])

        /// 28.x only (API 1.42+).
        public static let clusterVolumeSpec = GoStruct("volume.ClusterVolumeSpec", [
            GoField("Group", GT.string, omitEmpty: true),
            GoField("AccessMode", GT.ptr(.structure(accessMode)), omitEmpty: true),
            GoField("AccessibilityRequirements", GT.ptr(.structure(topologyRequirement)), omitEmpty: true),
            GoField("CapacityRange", GT.ptr(.structure(capacityRange)), omitEmpty: true),
            GoField("Secrets", GT.slice(.structure(secret)), omitEmpty: true),
            GoField("Availability", GT.string, omitEmpty: true),
        ])

        public static let createOptions = GoStruct("volume.CreateOptions", [
            GoField("ClusterVolumeSpec", GT.ptr(.structure(clusterVolumeSpec)), omitEmpty: true), // 28.x only
            GoField("Driver", GT.string),
            GoField("DriverOpts", GT.stringMap),
            GoField("Labels", GT.stringMap),
            GoField("Name", GT.string),
        ])
    }
}
