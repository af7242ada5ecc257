import GoJSON

// api/types/network, and the network create/connect request types
// (20.10: types.NetworkCreateRequest / types.NetworkConnect in api/types;
//  28.x: network.CreateRequest / network.ConnectOptions).

extension BodySchemas {
    public enum Network {
        public static let endpointIPAMConfig = GoStruct("network.EndpointIPAMConfig", [
            GoField("IPv4Address", GT.string, omitEmpty: true),
            GoField("IPv6Address", GT.string, omitEmpty: true),
            GoField("LinkLocalIPs", GT.strings, omitEmpty: true),
        ])

        /// network.EndpointSettings (28.x order; GwPriority and DNSNames are 28.x only).
        public static let endpointSettings = GoStruct("network.EndpointSettings", [
            GoField("IPAMConfig", GT.ptr(.structure(endpointIPAMConfig))),
            GoField("Links", GT.strings),
            GoField("Aliases", GT.strings),
            GoField("MacAddress", GT.string),
            GoField("DriverOpts", GT.stringMap),
            GoField("GwPriority", GT.int),          // 28.x only (API 1.48+; zeroed below on create)
            GoField("NetworkID", GT.string),
            GoField("EndpointID", GT.string),
            GoField("Gateway", GT.string),
            GoField("IPAddress", GT.string),
            GoField("IPPrefixLen", GT.int),
            GoField("IPv6Gateway", GT.string),
            GoField("GlobalIPv6Address", GT.string),
            GoField("GlobalIPv6PrefixLen", GT.int),
            GoField("DNSNames", GT.strings),        // 28.x only (API 1.44+)
        ])

        public static let networkingConfig = GoStruct("network.NetworkingConfig", [
            GoField("EndpointsConfig", GT.stringKeyMap(GT.ptr(.structure(endpointSettings)))),
        ])

        public static let ipamConfig = GoStruct("network.IPAMConfig", [
            GoField("Subnet", GT.string, omitEmpty: true),
            GoField("IPRange", GT.string, omitEmpty: true),
            GoField("Gateway", GT.string, omitEmpty: true),
            GoField("AuxiliaryAddresses", GT.stringMap, omitEmpty: true), // Go: AuxAddress
        ])

        public static let ipam = GoStruct("network.IPAM", [
            GoField("Driver", GT.string),
            GoField("Options", GT.stringMap),
            GoField("Config", GT.slice(.structure(ipamConfig))),
        ])

        public static let configReference = GoStruct("network.ConfigReference", [
            GoField("Network", GT.string),
        ])

        /// Body of POST /networks/create, flattened:
        /// - 20.10: `types.NetworkCreateRequest { types.NetworkCreate (embedded); Name }`,
        ///   NetworkCreate = { CheckDuplicate bool; Driver; Scope; EnableIPv6 bool;
        ///   IPAM *IPAM; Internal; Attachable; Ingress; ConfigOnly; ConfigFrom; Options; Labels }.
        /// - 28.x: `network.CreateRequest { network.CreateOptions (embedded); Name;
        ///   CheckDuplicate *bool }`, CreateOptions = { Driver; Scope; EnableIPv4 *bool;
        ///   EnableIPv6 *bool; IPAM; Internal; Attachable; Ingress; ConfigOnly; ConfigFrom;
        ///   Options; Labels }.
        /// No name collides across depths. `EnableIPv6`/`CheckDuplicate` are
        /// `bool` in 20.10 and `*bool` in 28.x; the union uses `*bool`, which
        /// accepts exactly the same JSON (true/false/null) and keeps null/absent
        /// ("daemon default" in 28.x) apart from an explicit false.
        /// CheckDuplicate is deprecated and ignored by 28.x (duplicates are
        /// always refused there). EnableIPv4 is reset to nil by 28.x for API < 1.48.
        public static let createRequest = GoStruct("network.CreateRequest", [
            GoField("Driver", GT.string, goPath: "CreateOptions.Driver"),
            GoField("Scope", GT.string, goPath: "CreateOptions.Scope"),
            GoField("EnableIPv4", GT.ptr(GT.bool), omitEmpty: true, goPath: "CreateOptions.EnableIPv4"), // 28.x only
            GoField("EnableIPv6", GT.ptr(GT.bool), goPath: "CreateOptions.EnableIPv6"),
            GoField("IPAM", GT.ptr(.structure(ipam)), goPath: "CreateOptions.IPAM"),
            GoField("Internal", GT.bool, goPath: "CreateOptions.Internal"),
            GoField("Attachable", GT.bool, goPath: "CreateOptions.Attachable"),
            GoField("Ingress", GT.bool, goPath: "CreateOptions.Ingress"),
            GoField("ConfigOnly", GT.bool, goPath: "CreateOptions.ConfigOnly"),
            GoField("ConfigFrom", GT.ptr(.structure(configReference)), goPath: "CreateOptions.ConfigFrom"),
            GoField("Options", GT.stringMap, goPath: "CreateOptions.Options"),
            GoField("Labels", GT.stringMap, goPath: "CreateOptions.Labels"),
            GoField("Name", GT.string),
            // 20.10: NetworkCreate.CheckDuplicate (bool, depth 1); 28.x: CheckDuplicate *bool (depth 0).
            GoField("CheckDuplicate", GT.ptr(GT.bool)),
        ])

        /// Body of POST /networks/{id}/connect: 20.10 types.NetworkConnect /
        /// 28.x network.ConnectOptions (same shape).
        public static let connectOptions = GoStruct("network.ConnectOptions", [
            GoField("Container", GT.string),
            GoField("EndpointConfig", GT.ptr(.structure(endpointSettings)), omitEmpty: true),
        ])

        /// Body of POST /networks/{id}/disconnect: 20.10 types.NetworkDisconnect /
        /// 28.x network.DisconnectOptions (same shape).
        public static let disconnectOptions = GoStruct("network.DisconnectOptions", [
            GoField("Container", GT.string),
            GoField("Force", GT.bool),
        ])
    }
}
