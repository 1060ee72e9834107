/// The lexical check that runs on YAML text before Yams sees it, shared by every
/// Postern file format (policies here, configuration files in `Postern`).
///
/// Yams composes nesting recursively and hashes whole mapping keys, so a hostile file
/// (10,000 brackets, an alias bomb used as a key) could exhaust the stack or take
/// exponential time. This check bounds flow and indentation depth and refuses anchors,
/// aliases and tags where a YAML node starts — Postern's formats need none of them.
public enum YAMLStructureCheck {
    /// Where the text first breaks the structural limits, and why.
    public struct Problem: Sendable, Hashable {
        /// 1-based line.
        public let line: Int
        /// 1-based column.
        public let column: Int
        /// What is wrong, for a `FILE:LINE:COL: error: MESSAGE` line.
        public let message: String
    }

    /// The first structural problem in `text`, or `nil` when it is safe to hand to Yams.
    public static func firstProblem(in text: String) -> Problem? {
        PreScan.structureProblem(text).map { Problem(line: $0.line, column: $0.column, message: $0.message) }
    }
}
