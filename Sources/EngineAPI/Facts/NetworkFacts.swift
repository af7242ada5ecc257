import GoJSON

/// `network.create` and `network.connect`. A bridge network with default
/// options is what compose and CI jobs create; other drivers reach the host's
/// interfaces (macvlan/ipvlan `parent`), the host's namespace (host) or a
/// cluster (overlay, ingress), and chosen subnets can collide with the host's.
public enum NetworkFacts {
    static func create(_ request: GoValue) -> RequestFacts {
        var facts = RequestFacts()
        let driver = request.at("Driver")?.text ?? ""
        if !driver.isOneOf(["", "bridge"]) { facts.add(.networkDriver(driver), "Driver", driver) }
        let options = request.at("Options")?.entries ?? []
        if !options.isEmpty { facts.add(.networkDriverOptions, "Options", shown(options)) }
        if request.at("Ingress")?.flag == true { facts.add(.unjudged("an ingress (swarm) network"), "Ingress", "true") }
        if request.at("ConfigOnly")?.flag == true { facts.add(.unjudged("a config-only network"), "ConfigOnly", "true") }
        if let from = request.at("ConfigFrom"), !from.isNull {
            facts.add(.unjudged("a network configured from another"), "ConfigFrom", from.at("Network")?.text ?? "")
        }
        let scope = request.at("Scope")?.text ?? ""
        if !scope.isOneOf(["", "local"]) { facts.add(.unjudged("a network of scope \(scope)"), "Scope", scope) }
        if let ipam = request.at("IPAM"), !ipam.isNull {
            let ipamDriver = ipam.at("Driver")?.text ?? ""
            if !ipamDriver.isOneOf(["", "default"]) { facts.add(.networkDriver("IPAM " + ipamDriver), "IPAM.Driver", ipamDriver) }
            let ipamOptions = ipam.at("Options")?.entries ?? []
            if !ipamOptions.isEmpty { facts.add(.networkDriverOptions, "IPAM.Options", shown(ipamOptions)) }
            for (i, config) in (ipam.at("Config")?.elements ?? []).enumerated() {
                let subnet = config.at("Subnet")?.text ?? ""
                let range = config.at("IPRange")?.text ?? ""
                let gateway = config.at("Gateway")?.text ?? ""
                let aux = config.at("AuxiliaryAddresses")?.entries ?? []
                if !subnet.utf8.isEmpty || !range.utf8.isEmpty || !gateway.utf8.isEmpty || !aux.isEmpty {
                    facts.add(.networkSubnet, "IPAM.Config[\(i)]", [subnet, range, gateway].filter { !$0.utf8.isEmpty }.joined(separator: " "))
                }
            }
        }
        return facts
    }

    /// `POST /networks/{id}/connect`: the network named in the path, and the
    /// endpoint's driver options.
    static func connect(_ request: GoValue, network: String) -> RequestFacts {
        var facts = RequestFacts()
        ContainerFacts.classify(network, .network, field: "network", into: &facts)
        if let endpoint = request.at("EndpointConfig") {
            ContainerFacts.endpointNetworkID(endpoint.deref, field: "EndpointConfig", into: &facts)
        }
        let options = request.at("EndpointConfig")?.at("DriverOpts")?.entries ?? []
        if !options.isEmpty {
            facts.add(.unjudged("network endpoint driver options"), "EndpointConfig.DriverOpts", shown(options))
        }
        return facts
    }

    static func shown(_ entries: [GoMapEntry]) -> String {
        entries.map { "\($0.key)=\($0.value.text ?? "")" }.joined(separator: ",")
    }
}
