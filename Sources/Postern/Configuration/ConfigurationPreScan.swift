/// A lexical check of configuration text before Yams sees it, so that a hostile file
/// cannot hang or crash the parser: Yams hashes whole mapping keys (an alias bomb used
/// as a key takes exponential time) and composes nesting recursively (deep brackets
/// exhaust the stack).
///
/// Refuses anchors and aliases (`&x`, `*x` where a YAML node starts), flow nesting
/// deeper than ``maximumFlowDepth``, and indentation deeper than ``maximumIndent``.
/// It knows quotes, comments, flow brackets and block scalars, which is all a
/// configuration needs; when in doubt it refuses, and the message says to quote.
enum ConfigurationPreScan {
    static let maximumFlowDepth = 16
    static let maximumIndent = 64
    static let maximumIndicatorsPerLine = 16

    struct Problem: Equatable {
        let line: Int
        let column: Int
        let message: String
    }

    private enum Quote { case none, single, double }

    static func problem(in text: String) -> Problem? {
        var quote = Quote.none
        var flowDepth = 0
        var blockScalarParentIndent: Int?
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = Array(rawLine.unicodeScalars)
            var column = 0
            if quote == .none {
                var indent = 0
                while indent < line.count, line[indent] == " " || line[indent] == "\t" { indent += 1 }
                if let parent = blockScalarParentIndent {
                    // Block scalar content: literal text while indented deeper than its key, or blank.
                    if indent > parent || indent == line.count || line[indent] == "\r" { continue }
                    blockScalarParentIndent = nil
                }
                if indent > maximumIndent {
                    return Problem(line: lineNumber, column: indent + 1, message: "nesting too deep (indentation over \(maximumIndent) columns)")
                }
                column = indent
            }
            let lineIndent = column
            var atNodeStart = quote == .none
            var indicators = 0
            while column < line.count {
                let scalar = line[column]
                let next: Unicode.Scalar? = column + 1 < line.count ? line[column + 1] : nil
                let nextIsBlank = next == nil || next == " " || next == "\t" || next == "\r"
                switch quote {
                case .double:
                    if scalar == "\\" { column += 1 } else if scalar == "\"" { quote = .none }
                    column += 1
                    continue
                case .single:
                    if scalar == "'" { if next == "'" { column += 1 } else { quote = .none } }
                    column += 1
                    continue
                case .none:
                    break
                }
                if scalar == "#" && (column == 0 || line[column - 1] == " " || line[column - 1] == "\t") { break }
                if atNodeStart {
                    switch scalar {
                    case " ", "\t", "\r":
                        break
                    case "-" where nextIsBlank, "?" where nextIsBlank, ":" where nextIsBlank:
                        indicators += 1
                        if indicators > maximumIndicatorsPerLine {
                            return Problem(line: lineNumber, column: column + 1, message: "nesting too deep")
                        }
                    case "[", "{":
                        flowDepth += 1
                        if flowDepth > maximumFlowDepth {
                            return Problem(line: lineNumber, column: column + 1, message: "nesting too deep (more than \(maximumFlowDepth) levels)")
                        }
                    case "]", "}":
                        flowDepth = max(0, flowDepth - 1)
                        atNodeStart = false
                    case "&", "*":
                        return Problem(
                            line: lineNumber, column: column + 1,
                            message: "YAML anchors and aliases are not allowed in configuration files (quote the value if it is text)")
                    case "\"":
                        quote = .double
                        atNodeStart = false
                    case "'":
                        quote = .single
                        atNodeStart = false
                    case "|", ">":
                        if flowDepth == 0 { blockScalarParentIndent = lineIndent }
                        atNodeStart = false
                    default:
                        atNodeStart = false
                    }
                } else {
                    switch scalar {
                    case ":" where nextIsBlank || (flowDepth > 0 && (next == "," || next == "]" || next == "}")):
                        atNodeStart = true
                    case "," where flowDepth > 0:
                        atNodeStart = true
                    case "]", "}":
                        if flowDepth > 0 { flowDepth -= 1 }
                    default:
                        break
                    }
                }
                column += 1
            }
        }
        return nil
    }
}
