/// Making header sections 7-bit clean, for content that is signed or sent without SMTPUTF8.
public enum HeaderEncoding {
    /// Header fields whose values are address lists.
    static let addressFields: Set<String> = [
        "from", "to", "cc", "bcc", "reply-to", "sender", "resent-from",
        "resent-to", "resent-cc", "resent-sender",
    ]

    /// Rewrites UTF-8 in header fields as RFC 2231 parameters (Content-Type, Content-Disposition),
    /// address lists with RFC 2047 display names, or RFC 2047 encoded words (unstructured fields).
    ///
    /// - Important: An address whose local part or domain is itself UTF-8 has no 7-bit form
    ///   (RFC 6532); such a field is kept as is, and ``Headers/requiresSMTPUTF8`` stays true.
    public static func sevenBit(_ headers: Headers) throws -> Headers {
        guard headers.requiresSMTPUTF8 else { return headers }
        var result = Headers()
        for field in headers {
            result.append(try sevenBit(field))
        }
        return result
    }

    /// One field made 7-bit where a 7-bit form exists (see the `Headers` overload).
    public static func sevenBit(_ field: HeaderField) throws -> HeaderField {
        guard field.containsEightBit else { return field }
        let name = field.name.lowercased()
        if name == "hp-outer" {
            // "HP-Outer: Name: value" (RFC 9788): encode the recorded value by its own field's rules.
            let value = field.value
            guard let colon = value.firstIndex(of: ":") else {
                return try HeaderField(name: field.name, value: EncodedWords.encode(value))
            }
            let recorded = try HeaderField(
                name: String(value[..<colon]), value: String(value[value.index(after: colon)...]))
            return try HeaderField(name: field.name, value: "\(recorded.name): \(try sevenBit(recorded).value)")
        }
        do {
            if name == "content-type" {
                return try HeaderField(name: field.name, value: try ContentType(parsing: field.value).description)
            } else if name == "content-disposition" {
                return try HeaderField(
                    name: field.name, value: try ContentDisposition(parsing: field.value).description)
            } else if addressFields.contains(name) {
                let addresses = try AddressParser.parseList(field.value)
                guard addresses.allSatisfy({ $0.address.unicodeScalars.allSatisfy(\.isASCII) }) else { return field }
                return try HeaderField(name: field.name, value: AddressFormatter.format(addresses))
            }
        } catch let error as MIMEError where error.code != .invalidHeaderValue {
            // A structured field we cannot parse is still text: fall back to encoded words.
        }
        return try HeaderField(name: field.name, value: EncodedWords.encode(field.value))
    }
}

/// Writes addresses back as an RFC 5322 address list.
public enum AddressFormatter {
    /// Formats `addresses`, regrouping consecutive members of the same group, quoting display
    /// names that need it and RFC 2047-encoding non-ASCII ones.
    public static func format(_ addresses: [MailAddress]) -> String {
        var items: [String] = []
        var index = 0
        while index < addresses.count {
            guard let group = addresses[index].group else {
                items.append(mailbox(addresses[index]))
                index += 1
                continue
            }
            var members: [String] = []
            while index < addresses.count, addresses[index].group == group {
                members.append(mailbox(addresses[index]))
                index += 1
            }
            items.append("\(phrase(group)): \(members.joined(separator: ", "));")
        }
        return items.joined(separator: ", ")
    }

    static func mailbox(_ address: MailAddress) -> String {
        guard let name = address.displayName, !name.isEmpty else { return "<\(address.address)>" }
        return "\(phrase(name)) <\(address.address)>"
    }

    /// A display name as an RFC 5322 phrase: atoms as is, otherwise a quoted string, or
    /// encoded words when it is not ASCII.
    static func phrase(_ name: String) -> String {
        if !name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return EncodedWords.encode(name) }
        let words = name.split(separator: " ", omittingEmptySubsequences: false)
        if !words.contains(where: \.isEmpty), !name.contains("=?"),
            words.allSatisfy({ $0.unicodeScalars.allSatisfy(AddressTokenizer.isAtext) })
        {
            return name
        }
        var quoted = "\""
        for scalar in name.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\""
    }
}
