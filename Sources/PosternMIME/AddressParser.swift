/// A mailbox from an address header: `"Display Name" <local@domain>`.
public struct MailAddress: Hashable, Sendable, CustomStringConvertible {
    /// The display name with RFC 2047 encoded words decoded, or `nil` when there is none.
    public var displayName: String?
    /// The local part, unquoted (quoted-pair escapes removed).
    public var localPart: String
    /// The domain (or a domain literal such as `[192.0.2.1]`).
    public var domain: String
    /// The name of the group this mailbox was listed in (`Team: a@x, b@y;`), if any.
    public var group: String?

    /// Creates an address.
    public init(displayName: String? = nil, localPart: String, domain: String, group: String? = nil) {
        self.displayName = displayName
        self.localPart = localPart
        self.domain = domain
        self.group = group
    }

    /// The addr-spec as used in the SMTP envelope: `local@domain`, with the local part
    /// quoted when it is not a dot-atom.
    public var address: String {
        let isDotAtom =
            !localPart.isEmpty && !localPart.hasPrefix(".") && !localPart.hasSuffix(".")
            && !localPart.contains("..")
            && localPart.unicodeScalars.allSatisfy { AddressTokenizer.isAtext($0) || $0 == "." }
        if isDotAtom { return "\(localPart)@\(domain)" }
        var quoted = "\""
        for scalar in localPart.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\"@\(domain)"
    }

    /// The mailbox as `Name <address>` (or `<address>`), for logs and messages.
    public var description: String {
        guard let displayName, !displayName.isEmpty else { return "<\(address)>" }
        return "\(displayName) <\(address)>"
    }
}

/// Parses RFC 5322 address lists (§3.4): mailboxes, name-addrs, groups, quoted
/// strings, comments, obsolete routes, and the legacy `addr (Name)` form.
public enum AddressParser {
    /// Parses an address-list header value (From, To, Cc, Bcc, Reply-To, Sender).
    ///
    /// Groups are flattened; each member carries its group's name in ``MailAddress/group``.
    /// An empty group (`undisclosed-recipients:;`) contributes no address.
    ///
    /// - Throws: ``MIMEError`` with ``MIMEError/Code/malformedAddress`` when an entry has no
    ///   `@domain`, brackets are unbalanced, or the list cannot be read.
    public static func parseList(_ value: String) throws -> [MailAddress] {
        var tokens = try AddressTokenizer.tokenize(value)
        tokens.reverse()  // pop from the end
        var result: [MailAddress] = []
        while let token = tokens.last {
            if token == .special(",") {
                tokens.removeLast()
                continue
            }
            result.append(contentsOf: try parseAddress(&tokens, in: value, group: nil))
        }
        return result
    }

    /// Parses a single mailbox (e.g. a Sender header).
    public static func parseMailbox(_ value: String) throws -> MailAddress {
        let list = try parseList(value)
        guard list.count == 1, let only = list.first else {
            throw MIMEError(.malformedAddress, "expected exactly one mailbox in \"\(value)\"")
        }
        return only
    }

    private static func parseAddress(
        _ tokens: inout [AddressToken], in original: String, group: String?
    ) throws -> [MailAddress] {
        var phrase: [AddressToken] = []
        var comments: [String] = []
        while let token = tokens.last {
            switch token {
            case .comment(let text):
                comments.append(text)
                tokens.removeLast()
            case .special("<"):
                tokens.removeLast()
                let (local, domain) = try parseAngleAddress(&tokens, in: original)
                skipComments(&tokens)
                return [MailAddress(displayName: displayName(phrase), localPart: local, domain: domain, group: group)]
            case .special(":"):
                guard group == nil else {
                    throw MIMEError(.malformedAddress, "nested group in \"\(original)\"")
                }
                tokens.removeLast()
                let name = displayName(phrase) ?? ""
                var members: [MailAddress] = []
                while let inner = tokens.last {
                    if inner == .special(";") {
                        tokens.removeLast()
                        break
                    }
                    if inner == .special(",") {
                        tokens.removeLast()
                        continue
                    }
                    members.append(contentsOf: try parseAddress(&tokens, in: original, group: name))
                }
                return members
            case .special("@"):
                tokens.removeLast()
                let local = try localPart(phrase, in: original)
                let domain = try parseDomain(&tokens, in: original)
                while case .comment(let text)? = tokens.last {
                    comments.append(text)
                    tokens.removeLast()
                }
                let legacyName = comments.last.map { EncodedWords.decode($0) }
                return [MailAddress(displayName: legacyName, localPart: local, domain: domain, group: group)]
            case .special(","), .special(";"):
                throw MIMEError(.malformedAddress, "address without @domain in \"\(original)\"")
            case .special(let char):
                throw MIMEError(.malformedAddress, "unexpected \"\(char)\" in \"\(original)\"")
            case .atom, .quoted, .domainLiteral:
                phrase.append(token)
                tokens.removeLast()
            }
        }
        throw MIMEError(.malformedAddress, "address without @domain in \"\(original)\"")
    }

    private static func skipComments(_ tokens: inout [AddressToken]) {
        while case .comment? = tokens.last { tokens.removeLast() }
    }

    private static func parseAngleAddress(_ tokens: inout [AddressToken], in original: String) throws -> (
        String, String
    ) {
        // obs-route: "@a,@b:" before the addr-spec.
        if tokens.last == .special("@") {
            while let token = tokens.last, token != .special(":") {
                if token == .special(">") { break }
                tokens.removeLast()
            }
            guard tokens.last == .special(":") else {
                throw MIMEError(.malformedAddress, "malformed route in \"\(original)\"")
            }
            tokens.removeLast()
        }
        var local: [AddressToken] = []
        while let token = tokens.last, token != .special("@") {
            switch token {
            case .atom, .quoted: local.append(token)
            case .comment: break
            default: throw MIMEError(.malformedAddress, "angle address without @domain in \"\(original)\"")
            }
            tokens.removeLast()
        }
        guard tokens.last == .special("@") else {
            throw MIMEError(.malformedAddress, "angle address without @domain in \"\(original)\"")
        }
        tokens.removeLast()
        let localPart = try localPart(local, in: original)
        let domain = try parseDomain(&tokens, in: original)
        skipComments(&tokens)
        guard tokens.last == .special(">") else {
            throw MIMEError(.malformedAddress, "unterminated angle address in \"\(original)\"")
        }
        tokens.removeLast()
        return (localPart, domain)
    }

    private static func parseDomain(_ tokens: inout [AddressToken], in original: String) throws -> String {
        skipComments(&tokens)
        switch tokens.last {
        case .atom(let text)?:
            tokens.removeLast()
            let labels = text.split(separator: ".", omittingEmptySubsequences: false)
            guard !labels.contains(where: \.isEmpty) else {
                throw MIMEError(.malformedAddress, "malformed domain \"\(text)\" in \"\(original)\"")
            }
            return text
        case .domainLiteral(let text)?:
            tokens.removeLast()
            return "[\(text)]"
        default:
            throw MIMEError(.malformedAddress, "missing domain in \"\(original)\"")
        }
    }

    private static func localPart(_ tokens: [AddressToken], in original: String) throws -> String {
        var out = ""
        for token in tokens {
            switch token {
            case .atom(let text), .quoted(let text): out += text
            default: throw MIMEError(.malformedAddress, "malformed local part in \"\(original)\"")
            }
        }
        guard !out.isEmpty else { throw MIMEError(.malformedAddress, "empty local part in \"\(original)\"") }
        return out
    }

    private static func displayName(_ phrase: [AddressToken]) -> String? {
        let words: [String] = phrase.compactMap {
            switch $0 {
            case .atom(let text), .quoted(let text): text
            default: nil
            }
        }
        guard !words.isEmpty else { return nil }
        return EncodedWords.decode(words.joined(separator: " "))
    }
}

enum AddressToken: Equatable {
    case atom(String)
    case quoted(String)
    case comment(String)
    case domainLiteral(String)
    case special(Character)
}

enum AddressTokenizer {
    static func isAtext(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value >= 0x80 { return true }  // RFC 6532 UTF-8 atext
        if scalar.properties.isAlphabetic && scalar.isASCII { return true }
        if ("0"..."9").contains(scalar) { return true }
        return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(scalar)
    }

    static func tokenize(_ value: String) throws -> [AddressToken] {
        let scalars = Array(value.unicodeScalars)
        var tokens: [AddressToken] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case " ", "\t", "\r", "\n":
                index += 1
            case "\"":
                index += 1
                var text = String.UnicodeScalarView()
                var closed = false
                while index < scalars.count {
                    let inner = scalars[index]
                    if inner == "\\", index + 1 < scalars.count {
                        text.append(scalars[index + 1])
                        index += 2
                        continue
                    }
                    index += 1
                    if inner == "\"" {
                        closed = true
                        break
                    }
                    text.append(inner)
                }
                guard closed else { throw MIMEError(.malformedAddress, "unterminated quoted string in \"\(value)\"") }
                tokens.append(.quoted(String(text)))
            case "(":
                var depth = 0
                var text = String.UnicodeScalarView()
                while index < scalars.count {
                    let inner = scalars[index]
                    if inner == "\\", index + 1 < scalars.count {
                        text.append(scalars[index + 1])
                        index += 2
                        continue
                    }
                    index += 1
                    if inner == "(" {
                        depth += 1
                        if depth == 1 { continue }
                    } else if inner == ")" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    text.append(inner)
                }
                guard depth == 0 else { throw MIMEError(.malformedAddress, "unterminated comment in \"\(value)\"") }
                tokens.append(.comment(String(text)))
            case "[":
                index += 1
                var text = String.UnicodeScalarView()
                while index < scalars.count, scalars[index] != "]" {
                    if scalars[index] == "[" || scalars[index] == "\\" {
                        throw MIMEError(.malformedAddress, "malformed domain literal in \"\(value)\"")
                    }
                    text.append(scalars[index])
                    index += 1
                }
                guard index < scalars.count else {
                    throw MIMEError(.malformedAddress, "unterminated domain literal in \"\(value)\"")
                }
                index += 1
                tokens.append(.domainLiteral(String(text)))
            case "<", ">", ":", ";", "@", ",":
                tokens.append(.special(Character(scalar)))
                index += 1
            default:
                // Atoms include "." so dot-atoms and obs-phrase ("John Q. Public") stay one word.
                guard isAtext(scalar) || scalar == "." else {
                    throw MIMEError(.malformedAddress, "unexpected character \"\(scalar)\" in \"\(value)\"")
                }
                var text = String.UnicodeScalarView()
                while index < scalars.count, isAtext(scalars[index]) || scalars[index] == "." {
                    text.append(scalars[index])
                    index += 1
                }
                tokens.append(.atom(String(text)))
            }
        }
        return tokens
    }
}
