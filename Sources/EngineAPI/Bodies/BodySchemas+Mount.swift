import GoJSON

// api/types/mount: used by HostConfig.Mounts and swarm ContainerSpec.Mounts.

extension BodySchemas {
    public enum Mount {
        public static let bindOptions = GoStruct("mount.BindOptions", [
            GoField("Propagation", GT.string, omitEmpty: true),
            GoField("NonRecursive", GT.bool, omitEmpty: true),           // API 1.40+ (ignored below on create)
            GoField("CreateMountpoint", GT.bool, omitEmpty: true),       // 28.x only (API 1.42+)
            GoField("ReadOnlyNonRecursive", GT.bool, omitEmpty: true),   // 28.x only (API 1.44+)
            GoField("ReadOnlyForceRecursive", GT.bool, omitEmpty: true), // 28.x only (API 1.44+)
        ])

        public static let driver = GoStruct("mount.Driver", [
            GoField("Name", GT.string, omitEmpty: true),
            GoField("Options", GT.stringMap, omitEmpty: true),
        ])

        public static let volumeOptions = GoStruct("mount.VolumeOptions", [
            GoField("NoCopy", GT.bool, omitEmpty: true),
            GoField("Labels", GT.stringMap, omitEmpty: true),
            GoField("Subpath", GT.string, omitEmpty: true), // 28.x only (API 1.45+)
            GoField("DriverConfig", GT.ptr(.structure(driver)), omitEmpty: true),
        ])

        /// 28.x only (API 1.48+, mount type "image").
        public static let imageOptions = GoStruct("mount.ImageOptions", [
            GoField("Subpath", GT.string, omitEmpty: true),
        ])

        public static let tmpfsOptions = GoStruct("mount.TmpfsOptions", [
            GoField("SizeBytes", GT.int64, omitEmpty: true),
            GoField("Mode", GT.fileMode, omitEmpty: true),
            GoField("Options", GT.slice(GT.strings), omitEmpty: true), // 28.x only (API 1.46+)
        ])

        public static let mount = GoStruct("mount.Mount", [
            GoField("Type", GT.string, omitEmpty: true),
            GoField("Source", GT.string, omitEmpty: true),
            GoField("Target", GT.string, omitEmpty: true),
            GoField("ReadOnly", GT.bool, omitEmpty: true),
            GoField("Consistency", GT.string, omitEmpty: true),
            GoField("BindOptions", GT.ptr(.structure(bindOptions)), omitEmpty: true),
            GoField("VolumeOptions", GT.ptr(.structure(volumeOptions)), omitEmpty: true),
            GoField("ImageOptions", GT.ptr(.structure(imageOptions)), omitEmpty: true), // 28.x only
            GoField("TmpfsOptions", GT.ptr(.structure(tmpfsOptions)), omitEmpty: true),
            GoField("ClusterOptions", GT.ptr(GT.emptyStruct), omitEmpty: true),          // 28.x only
        ])
    }
}
