import GoJSON

extension BodySchemas {
    public enum Registry {
        /// Body of POST /auth: 20.10 types.AuthConfig / 28.x
        /// registry.AuthConfig (same fields), decoded into a pointer (`null`
        /// leaves it nil). The daemon logs in to `serveraddress`.
        public static let authConfig = GoStruct("registry.AuthConfig", [
            GoField("username", GT.string, omitEmpty: true),
            GoField("password", GT.string, omitEmpty: true),
            GoField("auth", GT.string, omitEmpty: true),
            GoField("email", GT.string, omitEmpty: true),
            GoField("serveraddress", GT.string, omitEmpty: true),
            GoField("identitytoken", GT.string, omitEmpty: true),
            GoField("registrytoken", GT.string, omitEmpty: true),
        ])
    }
}
