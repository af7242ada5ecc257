import GoJSON

extension BodySchemas {
    /// Body of POST /containers/{id}/exec: 20.10 types.ExecConfig / 28.x
    /// container.ExecOptions. `Cmd` is a plain []string (a JSON string is a
    /// type error). An empty Cmd is refused ("No exec command specified").
    /// 28.x resets ConsoleSize to nil for API < 1.42. Clients may send extra
    /// keys (the Python SDK sends "Container"); they are ignored.
    public enum Exec {
        public static let options = GoStruct("container.ExecOptions", [
            GoField("User", GT.string),
            GoField("Privileged", GT.bool),
            GoField("Tty", GT.bool),
            GoField("ConsoleSize", GT.ptr(.array(GT.uint, count: 2)), omitEmpty: true), // 28.x only (API 1.42+)
            GoField("AttachStdin", GT.bool),
            GoField("AttachStderr", GT.bool),
            GoField("AttachStdout", GT.bool),
            GoField("DetachKeys", GT.string),
            GoField("Env", GT.strings),
            GoField("WorkingDir", GT.string),
            GoField("Cmd", GT.strings),
            GoField("Detach", GT.bool), // declared before DetachKeys in 20.10
        ])
    }

    public enum Plugin {
        /// types.PluginPrivilege (same in both lines; no custom JSON methods).
        public static let privilege = GoStruct("types.PluginPrivilege", [
            GoField("Name", GT.string),
            GoField("Description", GT.string),
            GoField("Value", GT.strings),
        ])

        /// types.PluginPrivileges = []PluginPrivilege: body of POST
        /// /plugins/pull and /plugins/{name}/upgrade. The daemon refuses the
        /// pull/upgrade unless the list equals the plugin's required
        /// privileges, so the body is the user's consent to e.g.
        /// {"Name":"network","Value":["host"]}, {"Name":"mount","Value":["/"]},
        /// {"Name":"device",...}, {"Name":"capabilities","Value":["CAP_SYS_ADMIN"]},
        /// {"Name":"allow-all-devices",...}.
        public static let privileges: GoType = GT.slice(.structure(privilege))

        /// Body of POST /plugins/{name}/set: []string of settings, each
        /// "ENVNAME=value", "<mountname>.source=/host/path",
        /// "<devicename>.path=/dev/x" or "<argsname>=a b c" (only fields the
        /// plugin's config marks settable). Mount sources and device paths are
        /// HOST paths given to the (privileged) plugin.
        public static let setArgs: GoType = GT.strings
    }
}
