import Foundation
import Testing

@testable import PosternMIME

/// Cross-checks our writer against an independent MIME implementation: Python's `email` package.
/// Skipped where python3 is not installed.
/// The system python3, if any (a fixed path: test processes need not inherit a shell's PATH).
let systemPython: String? = ["/usr/bin/python3", "/usr/local/bin/python3"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite(.enabled(if: systemPython != nil))
struct PythonInteropTests {
    static let script = """
        import sys, json, base64, email, email.policy
        msg = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
        parts, defects = [], []
        for part in msg.walk():
            defects += [type(d).__name__ for d in part.defects]
            if not part.is_multipart():
                parts.append([part.get_content_type(), base64.b64encode(part.get_payload(decode=True) or b'').decode()])
        out = {'subject': str(msg['subject']), 'parts': parts, 'defects': defects,
               'from': [[a.display_name, a.addr_spec] for a in msg['from'].addresses],
               'hp': msg.get_param('hp')}
        print(json.dumps(out))
        """

    struct Parsed: Decodable {
        var subject: String
        var parts: [[String]]
        var defects: [String]
        var from: [[String]]
        var hp: String?
    }

    func parseWithPython(_ message: [UInt8]) throws -> Parsed {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("postern-mime-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("message.eml")
        try Data(message).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(systemPython))
        process.arguments = ["-c", Self.script, file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONDecoder().decode(Parsed.self, from: data)
    }

    @Test func sevenBitCleanMultipartReadsTheSameInPython() throws {
        let long = String(repeating: "Grüße ", count: 300)
        let raw = """
            From: =?utf-8?Q?J=C3=B6rg?= <joerg@x.example>\r
            To: b@x.example\r
            Subject: =?utf-8?B?w6l0w6k=?=\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary=b\r
            \r
            --b\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(long)\r
            From the start of a line\r
            --b\r
            Content-Type: application/octet-stream\r
            Content-Transfer-Encoding: binary\r
            \r
            \u{1}ÿ\u{0}\r
            --b--\r

            """
        let message = try Message(parsing: bytes(raw))
        let written = try message.serialized(options: WriteOptions(sevenBitClean: true))
        let parsed = try parseWithPython(written)
        #expect(parsed.defects.isEmpty)
        #expect(parsed.subject == "été")
        #expect(parsed.from.first == ["Jörg", "joerg@x.example"])
        let ours = try #require(message.entity.multipart).parts
        #expect(parsed.parts.map { $0[0] } == ["text/plain", "application/octet-stream"])
        for (theirs, mine) in zip(parsed.parts, ours) {
            let decoded = try #require(try mine.decodedBody())
            #expect(theirs[1] == text(Base64.encode(decoded, lineLength: nil)))
        }
    }

    @Test func headerProtectedPayloadReadsInPython() throws {
        let raw =
            "From: Jörg <joerg@x.example>\r\nTo: b@x.example\r\nSubject: Grüße\r\nBcc: c@x.example\r\n\r\nhallo\r\n"
        let result = try HeaderProtection.protect(try Message(parsing: bytes(raw)), as: .encrypted)
        var inner: [UInt8] = []
        MessageWriter.write(result.inner, into: &inner)
        let parsed = try parseWithPython(inner)
        #expect(parsed.defects.isEmpty)
        #expect(parsed.subject == "Grüße")
        #expect(parsed.hp == "cipher")
        #expect(parsed.from.first == ["Jörg", "joerg@x.example"])
        #expect(parsed.parts.first?[1] == text(Base64.encode(bytes("hallo\r\n"), lineLength: nil)))
        #expect(!text(inner).lowercased().contains("bcc"))
    }
}
