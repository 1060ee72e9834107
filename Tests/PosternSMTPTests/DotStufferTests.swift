import Testing

@testable import PosternSMTP

/// Reverses dot-stuffing as a server does (RFC 5321 §4.5.2), for the round-trip property.
func unstuff(_ stream: [UInt8]) -> [UInt8]? {
    let terminator: [UInt8] = [0x0D, 0x0A, 0x2E, 0x0D, 0x0A]
    // The stream is read as if the DATA command's CRLF came before it.
    let framed: [UInt8] = [0x0D, 0x0A] + stream
    guard framed.count >= 5, Array(framed.suffix(5)) == terminator else { return nil }
    let body = Array(framed.dropFirst(2).dropLast(3))  // keep the final CRLF of the content
    var output: [UInt8] = []
    var atLineStart = true
    var index = 0
    while index < body.count {
        let byte = body[index]
        if atLineStart && byte == 0x2E {
            index += 1  // drop the stuffed dot
            atLineStart = false
            continue
        }
        output.append(byte)
        atLineStart = byte == 0x0A && index > 0 && body[index - 1] == 0x0D
        index += 1
    }
    return output
}

/// CRLF-canonical form: every CR, LF and CRLF becomes CRLF; ends with CRLF unless empty.
func canonical(_ input: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
    var index = 0
    while index < input.count {
        let byte = input[index]
        if byte == 0x0D {
            output += [0x0D, 0x0A]
            if index + 1 < input.count && input[index + 1] == 0x0A { index += 1 }
        } else if byte == 0x0A {
            output += [0x0D, 0x0A]
        } else {
            output.append(byte)
        }
        index += 1
    }
    if !output.isEmpty && Array(output.suffix(2)) != [0x0D, 0x0A] { output += [0x0D, 0x0A] }
    return output
}

func occurrences(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
    guard haystack.count >= needle.count else { return [] }
    return (0...(haystack.count - needle.count)).filter { Array(haystack[$0..<($0 + needle.count)]) == needle }
}

@Suite("Dot-stuffing")
struct DotStufferTests {
    @Test(
        "examples",
        arguments: [
            ("Hello\r\n", "Hello\r\n.\r\n"),
            ("Hello", "Hello\r\n.\r\n"),
            ("", ".\r\n"),
            (".\r\n", "..\r\n.\r\n"),
            ("a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"),
            ("a\n.\nb", "a\r\n..\r\nb\r\n.\r\n"),
            ("a\r.\rb\r", "a\r\n..\r\nb\r\n.\r\n"),
            ("..x\r\n.", "...x\r\n..\r\n.\r\n"),
            ("a.b\r\n", "a.b\r\n.\r\n"),
            ("\r\n\r\n", "\r\n\r\n.\r\n"),
        ])
    func examples(_ input: String, _ expected: String) {
        #expect(String(decoding: DotStuffer.stuffed([UInt8](input)), as: UTF8.self) == expected)
    }

    @Test func stateCarriesAcrossChunks() {
        var stuffer = DotStuffer()
        var output: [UInt8] = []
        for chunk in ["a\r", "\n", ".", "b\r", "\n.", "\r", "\n"] { stuffer.stuff([UInt8](chunk), into: &output) }
        stuffer.finish(into: &output)
        stuffer.finish(into: &output)  // idempotent
        #expect(String(decoding: output, as: UTF8.self) == "a\r\n..b\r\n..\r\n.\r\n")
    }

    @Test("property: one terminator, at the end, and the input comes back", arguments: 0..<10 as Range<UInt64>)
    func property(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        // Bytes that make end-of-data lookalikes likely.
        let alphabet: [UInt8] = [0x0D, 0x0A, 0x2E, 0x2E, 0x41, 0x00, 0xFF]
        for _ in 0..<400 {
            let length = Int.random(in: 0...200, using: &generator)
            let input = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
            var stuffer = DotStuffer()
            var output: [UInt8] = []
            for chunk in randomChunks(input, using: &generator) { stuffer.stuff(chunk, into: &output) }
            stuffer.finish(into: &output)
            #expect(output == DotStuffer.stuffed(input))
            // What the server sees after "DATA\r\n".
            let seen: [UInt8] = [0x0D, 0x0A] + output
            #expect(occurrences(of: [0x0D, 0x0A, 0x2E, 0x0D, 0x0A], in: seen) == [seen.count - 5])
            // No bare CR or LF leaves the client.
            for (index, byte) in output.enumerated() {
                if byte == 0x0D { #expect(index + 1 < output.count && output[index + 1] == 0x0A) }
                if byte == 0x0A { #expect(index > 0 && output[index - 1] == 0x0D) }
            }
            #expect(unstuff(output) == canonical(input))
        }
    }

    @Test func streamsALargeMessageInChunks() {
        let line = [UInt8](".leading dot and some text to fill the line\r\n")
        var stuffer = DotStuffer()
        var total = 0
        var tail: [UInt8] = []
        for _ in 0..<20_000 {
            let out = stuffer.stuff(line)
            total += out.count
        }
        tail = stuffer.finish()
        #expect(total == 20_000 * (line.count + 1))
        #expect(tail == [UInt8](".\r\n"))
    }
}
