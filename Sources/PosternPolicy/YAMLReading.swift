import Yams

/// Turns checked policy text into a Yams node tree, mapping every Yams failure to a
/// located diagnostic. Also offers typed, located accessors over nodes for the validator.
enum YAMLReading {
    /// Parses exactly one YAML document.
    static func parse(_ text: String, file: String) -> Result<Node, PolicyDiagnostic> {
        do {
            let parser = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
            guard let root = try parser.singleRoot() else {
                return .failure(
                    PolicyDiagnostic(file: file, line: 1, column: 1, message: "the file holds no YAML document"))
            }
            if let anchored = firstAnchoredNode(in: root) {
                let mark = anchored.mark
                return .failure(
                    PolicyDiagnostic(
                        file: file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                        message: "YAML anchors and aliases are not allowed in policy files"))
            }
            return .success(root)
        } catch let error as YamlError {
            return .failure(diagnostic(for: error, text: text, file: file))
        } catch {
            return .failure(PolicyDiagnostic(file: file, line: 1, column: 1, message: "not valid YAML: \(error)"))
        }
    }

    private static func diagnostic(for error: YamlError, text: String, file: String) -> PolicyDiagnostic {
        func at(_ mark: Mark, _ message: String) -> PolicyDiagnostic {
            PolicyDiagnostic(file: file, line: max(1, mark.line), column: max(1, mark.column), message: message)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) " } ?? ""
            return at(mark, "not valid YAML: \(detail)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return at(context.mark, "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in mapping")
        case .reader(let problem, let offset, _, _):
            let (line, column) = position(ofByte: offset ?? 0, in: text)
            return PolicyDiagnostic(file: file, line: line, column: column, message: "not valid YAML: \(problem)")
        default:
            return PolicyDiagnostic(file: file, line: 1, column: 1, message: "not valid YAML: \(error)")
        }
    }

    /// Second line of defence behind ``PreScan``: finds any anchored node with an explicit
    /// stack (no recursion). An alias resolves to its anchored node, so the walk stops at
    /// the first one and never expands an alias; it is linear in the document's size.
    static func firstAnchoredNode(in root: Node) -> Node? {
        var pending = [root]
        while let node = pending.popLast() {
            if node.anchor != nil { return node }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping {
                    pending.append(value)
                    pending.append(key)
                }
            case .sequence(let sequence):
                pending.append(contentsOf: sequence.reversed())
            case .scalar, .alias:
                break
            }
        }
        return nil
    }

    /// 1-based line and scalar column of a UTF-8 byte offset.
    static func position(ofByte offset: Int, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        var consumed = 0
        for scalar in text.unicodeScalars {
            if consumed >= offset { break }
            consumed += UTF8.width(scalar)
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}

/// Located, typed reading of Yams nodes that records a diagnostic for every mismatch.
struct NodeReader {
    let file: String
    private(set) var diagnostics: [PolicyDiagnostic] = []

    init(file: String) { self.file = file }

    func location(of node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func error(_ node: Node, _ message: String) {
        diagnostics.append(PolicyDiagnostic(at: location(of: node), message))
    }

    /// A describing word for a node's kind, for "expected X, found Y" messages.
    static func kind(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                return "nothing (null)"
            }
            return "'\(scalar.string)'"
        }
    }

    /// The pairs of a mapping whose keys are all plain strings; unknown keys are reported.
    mutating func mapping(_ node: Node, in context: String, allowed: [String]) -> [(
        key: String, keyNode: Node, value: Node
    )]? {
        if node.anchor != nil {
            error(node, "YAML anchors and aliases are not allowed in policy files")
            return nil
        }
        guard case .mapping(let mapping) = node else {
            error(node, "\(context) must be a mapping, found \(Self.kind(of: node))")
            return nil
        }
        var pairs: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                error(keyNode, "keys in \(context) must be plain strings")
                continue
            }
            guard allowed.contains(scalar.string) else {
                error(
                    keyNode,
                    "unknown key '\(scalar.string)' in \(context); expected one of: \(allowed.joined(separator: ", "))")
                continue
            }
            if value.anchor != nil {
                error(value, "YAML anchors and aliases are not allowed in policy files")
                continue
            }
            pairs.append((scalar.string, keyNode, value))
        }
        return pairs
    }

    /// A non-null scalar as text.
    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, !isNull(scalar) else {
            error(node, "\(what) must be a string, found \(Self.kind(of: node))")
            return nil
        }
        return scalar.string
    }

    /// A plain decimal integer.
    mutating func integer(_ node: Node, _ what: String) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string),
            scalar.string.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") })
        else {
            error(node, "\(what) must be an integer, found \(Self.kind(of: node))")
            return nil
        }
        return value
    }

    /// A plain `true` or `false`.
    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        if case .scalar(let scalar) = node, scalar.style == .plain {
            switch scalar.string {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        error(node, "\(what) must be true or false, found \(Self.kind(of: node))")
        return nil
    }

    /// A list of scalars (each with its node); with `orSingle`, a lone scalar counts as a one-item list.
    mutating func scalarList(_ node: Node, _ what: String, orSingle: Bool = false) -> [(String, Node)]? {
        switch node {
        case .sequence(let sequence):
            var items: [(String, Node)] = []
            var ok = true
            for item in sequence {
                if let text = string(item, "each entry of \(what)") { items.append((text, item)) } else { ok = false }
            }
            return ok ? items : nil
        case .scalar(let scalar) where orSingle && !isNull(scalar):
            return [(scalar.string, node)]
        default:
            error(node, "\(what) must be a list\(orSingle ? " or a string" : ""), found \(Self.kind(of: node))")
            return nil
        }
    }

    /// One value of a closed vocabulary.
    mutating func choice<C: PolicyChoice>(_ node: Node, _ what: String, as type: C.Type) -> C? {
        guard let text = string(node, what) else { return nil }
        guard let value = C.matching(text) else {
            error(node, "'\(text)' is not a valid \(what); expected one of: \(C.spellings)")
            return nil
        }
        return value
    }

    /// A non-empty list of distinct vocabulary values, order kept.
    mutating func choiceList<C: PolicyChoice>(_ node: Node, _ what: String, as type: C.Type) -> [C]? {
        guard let items = scalarList(node, what) else { return nil }
        if items.isEmpty {
            error(node, "\(what) must list at least one value; expected some of: \(C.spellings)")
            return nil
        }
        var values: [C] = []
        var ok = true
        for (text, item) in items {
            guard let value = C.matching(text) else {
                error(item, "'\(text)' is not a valid \(what) value; expected one of: \(C.spellings)")
                ok = false
                continue
            }
            if values.contains(value) {
                error(item, "'\(text)' is listed twice in \(what)")
                ok = false
                continue
            }
            values.append(value)
        }
        return ok ? values : nil
    }

    /// A list (or single string, with `orSingle`) of glob patterns.
    mutating func globs(_ node: Node, _ what: String, orSingle: Bool) -> GlobList? {
        guard let items = scalarList(node, what, orSingle: orSingle) else { return nil }
        var globs: [Glob] = []
        var ok = true
        for (text, item) in items {
            switch Glob.compile(text) {
            case .success(let glob): globs.append(glob)
            case .failure(let problem):
                error(item, "malformed pattern '\(text)' in \(what): \(problem.reason)")
                ok = false
            }
        }
        if ok && globs.isEmpty && orSingle {
            error(node, "\(what) must name at least one pattern")
            return nil
        }
        return ok ? GlobList(globs) : nil
    }

    private func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
