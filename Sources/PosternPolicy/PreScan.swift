/// Checks raw policy bytes before they reach the YAML parser, so that hostile input is
/// rejected with a location instead of exhausting memory or the stack:
/// size, UTF-8 validity, nesting depth, anchors and aliases (alias bombs), tags.
///
/// The scan is lexical and deliberately conservative: it knows quotes, comments, flow
/// brackets, block-sequence dashes and block scalars, which is all a policy file needs.
enum PreScan {
    /// Largest accepted policy file.
    static let maximumBytes = 1 << 20
    /// Deepest flow nesting (`[` / `{`) accepted.
    static let maximumFlowDepth = 32
    /// Widest indentation accepted; bounds block nesting because each block level indents further.
    static let maximumIndent = 128
    /// Most block-sequence dashes opening on one line (`- - - x`).
    static let maximumDashesPerLine = 16

    /// Returns the text, or the first fatal problem.
    static func check(_ bytes: [UInt8], file: String) -> Result<String, PolicyDiagnostic> {
        func fail(_ line: Int, _ column: Int, _ message: String) -> Result<String, PolicyDiagnostic> {
            .failure(PolicyDiagnostic(file: file, line: line, column: column, message: message))
        }
        if bytes.count > maximumBytes {
            return fail(1, 1, "file is \(bytes.count) bytes; a policy file may be at most \(maximumBytes) bytes")
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if let (line, column) = firstInvalidUTF8(body) {
            return fail(line, column, "the file is not valid UTF-8 (bad byte at this position)")
        }
        let text = String(decoding: body, as: UTF8.self)
        if text.allSatisfy({ $0.isWhitespace }) { return fail(1, 1, "the file is empty; expected a policy mapping") }
        if let problem = structureProblem(text) { return fail(problem.line, problem.column, problem.message) }
        return .success(text)
    }

    /// Position (1-based line, column in scalars) of the first byte that breaks UTF-8, if any.
    static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> (Int, Int)? {
        var line = 1
        var column = 1
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let lead = bytes[index]
            let length: Int
            var minimum: UInt32 = 0
            switch lead {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2; minimum = 0x80
            case 0xE0...0xEF: length = 3; minimum = 0x800
            case 0xF0...0xF4: length = 4; minimum = 0x10000
            default: return (line, column)
            }
            guard index + length <= bytes.endIndex else { return (line, column) }
            var scalar = UInt32(lead) & (length == 1 ? 0x7F : (0xFF >> (length + 1)))
            for offset in 1..<max(length, 1) {
                let continuation = bytes[index + offset]
                guard continuation & 0xC0 == 0x80 else { return (line, column) }
                scalar = scalar << 6 | UInt32(continuation & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return (line, column) }
            if lead == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += length
        }
        return nil
    }

    struct Problem {
        let line: Int
        let column: Int
        let message: String
    }

    private enum Quote { case none, single, double }

    /// Bounds nesting and refuses anchors/aliases, tracking just enough YAML lexing to know
    /// where a node starts (an `&` or `*` elsewhere is ordinary text).
    static func structureProblem(_ text: String) -> Problem? {
        var quote = Quote.none
        var flowDepth = 0
        var blockScalarIndent: Int? = nil
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = Array(rawLine.unicodeScalars)
            var column = 0
            if quote == .none {
                var indent = 0
                while indent < line.count, line[indent] == " " || line[indent] == "\t" { indent += 1 }
                if let parent = blockScalarIndent {
                    // Inside `|` or `>` content: literal text while more indented than its key, or blank.
                    if indent > parent || indent == line.count || line[indent] == "\r" { continue }
                    blockScalarIndent = nil
                }
                if indent > maximumIndent {
                    return Problem(
                        line: lineNumber, column: indent + 1,
                        message: "nesting too deep (indentation over \(maximumIndent) columns)")
                }
                column = indent
            }
            var atNodeStart = quote == .none
            // True right after a quoted scalar or a flow collection closes: in flow context a
            // `:` may then follow without a space (JSON style, `{"a":&x 1}`), and starts a node.
            var adjacentValueAllowed = false
            var dashes = 0
            let lineIndent = column
            while column < line.count {
                let scalar = line[column]
                let next: Unicode.Scalar? = column + 1 < line.count ? line[column + 1] : nil
                let nextIsBlank = next == nil || next == " " || next == "\t" || next == "\r"
                switch quote {
                case .double:
                    if scalar == "\\" {
                        column += 1
                    } else if scalar == "\"" {
                        quote = .none
                        adjacentValueAllowed = true
                    }
                    column += 1
                    continue
                case .single:
                    if scalar == "'" {
                        if next == "'" {
                            column += 1
                        } else {
                            quote = .none
                            adjacentValueAllowed = true
                        }
                    }
                    column += 1
                    continue
                case .none:
                    break
                }
                let previousIsBlank = column == 0 || line[column - 1] == " " || line[column - 1] == "\t"
                if scalar == "#" && previousIsBlank { break }
                if atNodeStart {
                    switch scalar {
                    case " ", "\t", "\r":
                        break
                    case "-" where nextIsBlank, "?" where nextIsBlank, ":" where nextIsBlank:
                        dashes += 1
                        if dashes > maximumDashesPerLine {
                            return Problem(line: lineNumber, column: column + 1, message: "nesting too deep")
                        }
                    case "[", "{":
                        flowDepth += 1
                        if flowDepth > maximumFlowDepth {
                            return Problem(
                                line: lineNumber, column: column + 1,
                                message: "nesting too deep (more than \(maximumFlowDepth) levels)")
                        }
                    case "]", "}":
                        flowDepth = max(0, flowDepth - 1)
                        atNodeStart = false
                        adjacentValueAllowed = true
                        column += 1
                        continue
                    case "&", "*":
                        return Problem(
                            line: lineNumber, column: column + 1,
                            message:
                                "YAML anchors and aliases are not allowed (quote the value if it is text)"
                        )
                    case "!":
                        // Tags could make a value pass for another type (`!!str 1`); policies need none.
                        return Problem(
                            line: lineNumber, column: column + 1,
                            message: "YAML tags are not allowed (quote the value if it is text)")
                    case "\"":
                        quote = .double
                        atNodeStart = false
                    case "'":
                        quote = .single
                        atNodeStart = false
                    case "|", ">":
                        if flowDepth == 0 { blockScalarIndent = lineIndent }
                        atNodeStart = false
                    default:
                        atNodeStart = false
                    }
                } else {
                    switch scalar {
                    case ":" where nextIsBlank || (flowDepth > 0 && (next == "," || next == "]" || next == "}")):
                        atNodeStart = true
                    case ":" where flowDepth > 0 && adjacentValueAllowed:
                        atNodeStart = true
                    case "," where flowDepth > 0:
                        atNodeStart = true
                    case "]", "}":
                        if flowDepth > 0 { flowDepth -= 1 }
                        adjacentValueAllowed = true
                        column += 1
                        continue
                    default:
                        break
                    }
                }
                if scalar != " " && scalar != "\t" { adjacentValueAllowed = false }
                column += 1
            }
        }
        return nil
    }
}
