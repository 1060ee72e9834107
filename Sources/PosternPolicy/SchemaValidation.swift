import Yams

/// Validates a YAML node tree against policy schema version 1 and builds the document.
/// Every problem is recorded (not only the first), each at its node's line and column.
struct SchemaValidator {
    private var reader: NodeReader
    private let file: String

    init(file: String) {
        self.file = file
        reader = NodeReader(file: file)
    }

    static let topKeys = ["postern-policy", "name", "description", "transport", "message", "envelope", "rules"]
    static let transportKeys = ["security", "min-tls", "certificate", "pins", "starttls", "auth"]
    static let messageKeys = ["sign", "encrypt", "formats", "smime", "max-size"]
    static let envelopeKeys = ["senders", "recipients"]
    static let ruleKeys = ["name", "description", "when", "transport", "message", "envelope"]
    static let whenKeys = ["server", "sender", "recipient", "recipient-not"]

    /// The document, or every diagnostic found.
    mutating func validate(_ root: Node) -> Result<PolicyDocument, PolicyLoadError> {
        let rootLocation = reader.location(of: root)
        guard let pairs = reader.mapping(root, in: "the policy", allowed: Self.topKeys) else {
            return .failure(PolicyLoadError(diagnostics: reader.diagnostics))
        }
        var version: Int?
        var versionLocation: SourceLocation?
        var name: String?
        var description: String?
        var requirements = PolicyRequirements()
        var rules: [PolicyRule] = []
        for (key, keyNode, value) in pairs {
            switch key {
            case "postern-policy":
                versionLocation = reader.location(of: keyNode)
                if let number = reader.integer(value, "postern-policy") {
                    if number == 1 {
                        version = number
                    } else {
                        reader.error(
                            value, "unsupported postern-policy version \(number); this Postern reads version 1")
                    }
                }
            case "name": name = readName(value, "name")
            case "description": description = reader.string(value, "description")
            case "transport": readTransport(value, into: &requirements.transport)
            case "message": readMessage(value, into: &requirements.message)
            case "envelope": readEnvelope(value, into: &requirements.envelope)
            case "rules": rules = readRules(value)
            default: break
            }
        }
        if versionLocation == nil {
            reader.error(root, "missing required key 'postern-policy' (the schema version, 1)")
        }
        if name == nil && !pairs.contains(where: { $0.key == "name" }) {
            reader.error(root, "missing required key 'name'")
        }
        guard reader.diagnostics.isEmpty, version != nil, let name else {
            return .failure(PolicyLoadError(diagnostics: reader.diagnostics))
        }
        return .success(
            PolicyDocument(
                name: name, file: file, description: description, location: versionLocation ?? rootLocation,
                requirements: requirements, rules: rules))
    }

    private mutating func readName(_ node: Node, _ what: String) -> String? {
        guard let text = reader.string(node, what) else { return nil }
        if text.isEmpty || text.count > 200
            || text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            reader.error(node, "\(what) must be 1 to 200 printable characters")
            return nil
        }
        return text
    }

    private mutating func readTransport(_ node: Node, into transport: inout TransportRequirements) {
        guard let pairs = reader.mapping(node, in: "transport", allowed: Self.transportKeys) else { return }
        for (key, keyNode, value) in pairs {
            let at = reader.location(of: keyNode)
            switch key {
            case "security":
                transport.security = reader.choiceList(value, "security", as: SecurityMode.self).map {
                    Located($0, at: at)
                }
            case "min-tls":
                transport.minTLS = reader.choice(value, "min-tls", as: TLSVersion.self).map { Located($0, at: at) }
            case "certificate":
                transport.certificate = reader.choice(value, "certificate", as: CertificateDemand.self).map {
                    Located($0, at: at)
                }
            case "pins":
                transport.pins = readPins(value).map { Located($0, at: at) }
            case "starttls":
                guard let inner = reader.mapping(value, in: "transport.starttls", allowed: ["require-pin"]) else {
                    continue
                }
                for (_, innerKey, innerValue) in inner {
                    transport.requirePin = reader.bool(innerValue, "require-pin").map {
                        Located($0, at: reader.location(of: innerKey))
                    }
                }
            case "auth":
                guard
                    let inner = reader.mapping(value, in: "transport.auth", allowed: ["mechanisms", "over-plaintext"])
                else { continue }
                for (innerName, innerKey, innerValue) in inner {
                    let innerAt = reader.location(of: innerKey)
                    if innerName == "mechanisms" {
                        transport.authMechanisms = reader.choiceList(
                            innerValue, "auth mechanism", as: AuthMechanism.self
                        )
                        .map { Located($0, at: innerAt) }
                    } else {
                        transport.overPlaintext = reader.choice(innerValue, "over-plaintext", as: OverPlaintext.self)
                            .map { Located($0, at: innerAt) }
                    }
                }
            default: break
            }
        }
    }

    private mutating func readPins(_ node: Node) -> [SPKIPin]? {
        guard let items = reader.scalarList(node, "pins") else { return nil }
        var pins: [SPKIPin] = []
        var ok = true
        for (text, item) in items {
            guard let pin = SPKIPin(text) else {
                reader.error(item, "malformed pin '\(text)'; expected sha256// followed by the base64 of 32 bytes")
                ok = false
                continue
            }
            if !pins.contains(pin) { pins.append(pin) }
        }
        return ok ? pins : nil
    }

    private mutating func readMessage(_ node: Node, into message: inout MessageRequirements) {
        guard let pairs = reader.mapping(node, in: "message", allowed: Self.messageKeys) else { return }
        for (key, keyNode, value) in pairs {
            let at = reader.location(of: keyNode)
            switch key {
            case "sign":
                message.sign = reader.choice(value, "sign level", as: ProtectionLevel.self).map { Located($0, at: at) }
            case "encrypt":
                message.encrypt = reader.choice(value, "encrypt level", as: ProtectionLevel.self).map {
                    Located($0, at: at)
                }
            case "formats":
                message.formats = reader.choiceList(value, "formats", as: ProtectionFormat.self).map {
                    Located($0, at: at)
                }
            case "max-size":
                guard let text = reader.string(value, "max-size") else { continue }
                guard let size = parseByteSize(text), size > 0 else {
                    reader.error(
                        value,
                        "malformed size '\(text)'; expected a positive number with an optional unit B, KB, MB, GB, KiB, MiB or GiB (e.g. 25MiB)"
                    )
                    continue
                }
                message.maxSize = Located(size, at: at)
            case "smime":
                guard
                    let inner = reader.mapping(
                        value, in: "message.smime", allowed: ["cipher", "digest", "min-rsa-bits"])
                else { continue }
                for (innerName, innerKey, innerValue) in inner {
                    let innerAt = reader.location(of: innerKey)
                    switch innerName {
                    case "cipher":
                        message.smimeCiphers = reader.choiceList(innerValue, "smime cipher", as: SMIMECipher.self)
                            .map { Located($0, at: innerAt) }
                    case "digest":
                        message.smimeDigests = reader.choiceList(innerValue, "smime digest", as: DigestAlgorithm.self)
                            .map { Located($0, at: innerAt) }
                    default:
                        guard let bits = reader.integer(innerValue, "min-rsa-bits") else { continue }
                        guard (1024...16384).contains(bits) else {
                            reader.error(innerValue, "min-rsa-bits must be between 1024 and 16384, found \(bits)")
                            continue
                        }
                        message.minRSABits = Located(bits, at: innerAt)
                    }
                }
            default: break
            }
        }
    }

    private mutating func readEnvelope(_ node: Node, into envelope: inout EnvelopeRequirements) {
        guard let pairs = reader.mapping(node, in: "envelope", allowed: Self.envelopeKeys) else { return }
        for (key, keyNode, value) in pairs {
            let at = reader.location(of: keyNode)
            if key == "senders" {
                envelope.senders = reader.globs(value, "senders", orSingle: false).map { Located($0, at: at) }
                continue
            }
            guard let inner = reader.mapping(value, in: "envelope.recipients", allowed: ["allow", "deny"]) else {
                continue
            }
            for (innerName, innerKey, innerValue) in inner {
                let list = reader.globs(innerValue, "recipients.\(innerName)", orSingle: false)
                    .map { Located($0, at: reader.location(of: innerKey)) }
                if innerName == "allow" { envelope.recipientsAllow = list } else { envelope.recipientsDeny = list }
            }
        }
    }

    private mutating func readRules(_ node: Node) -> [PolicyRule] {
        guard case .sequence(let sequence) = node else {
            reader.error(node, "rules must be a list, found \(NodeReader.kind(of: node))")
            return []
        }
        var rules: [PolicyRule] = []
        var seen: [String: SourceLocation] = [:]
        for item in sequence {
            guard let pairs = reader.mapping(item, in: "a rule", allowed: Self.ruleKeys) else { continue }
            var name: String?
            var condition = RuleCondition()
            var requirements = PolicyRequirements()
            for (key, _, value) in pairs {
                switch key {
                case "name": name = readName(value, "rule name")
                case "description": _ = reader.string(value, "description")
                case "when": condition = readWhen(value)
                case "transport": readTransport(value, into: &requirements.transport)
                case "message": readMessage(value, into: &requirements.message)
                case "envelope": readEnvelope(value, into: &requirements.envelope)
                default: break
                }
            }
            let location = reader.location(of: item)
            guard let name else {
                if !pairs.contains(where: { $0.key == "name" }) { reader.error(item, "a rule needs a 'name'") }
                continue
            }
            if let earlier = seen[name] {
                reader.error(item, "rule name '\(name)' is already used at line \(earlier.line)")
                continue
            }
            seen[name] = location
            rules.append(PolicyRule(name: name, location: location, condition: condition, requirements: requirements))
        }
        return rules
    }

    private mutating func readWhen(_ node: Node) -> RuleCondition {
        var condition = RuleCondition()
        guard let pairs = reader.mapping(node, in: "when", allowed: Self.whenKeys) else { return condition }
        for (key, keyNode, value) in pairs {
            let list = reader.globs(value, "when.\(key)", orSingle: true).map {
                Located($0, at: reader.location(of: keyNode))
            }
            if key == "server", let list, list.value.globs.contains(where: \.isAddressPattern) {
                reader.error(value, "when.server takes host name patterns, not addresses")
            }
            switch key {
            case "server": condition.server = list
            case "sender": condition.sender = list
            case "recipient": condition.recipient = list
            default: condition.recipientNot = list
            }
        }
        return condition
    }
}
