/// Classic sendmail input rule: without `-i` / `-oi`, a line holding a single `.` ends the message (what
/// follows is ignored). With `-i` the whole input is the message (the dot line is data, dot-stuffed on the wire).
enum SendmailInputTerminator {
    /// `bytes` up to (not including) the first line that is exactly `.` (ended by LF, CRLF or the end of input).
    static func truncatedAtLoneDot(_ bytes: [UInt8]) -> [UInt8] {
        let dot = UInt8(ascii: "."), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var lineStart = 0
        while lineStart < bytes.count {
            var end = lineStart
            while end < bytes.count, bytes[end] != lf { end += 1 }
            var content = end
            if content > lineStart, bytes[content - 1] == cr { content -= 1 }
            if content - lineStart == 1, bytes[lineStart] == dot {
                return Array(bytes[..<lineStart])
            }
            lineStart = end + 1
        }
        return bytes
    }
}
