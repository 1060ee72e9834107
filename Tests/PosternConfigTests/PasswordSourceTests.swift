import Foundation
import Postern
import Testing

@Suite struct PasswordSourceTests {
    /// Resolves and checks that neither the error nor its description leaks the canary.
    func failure(_ source: PasswordSource, environment: [String: String] = [:], timeout: Duration = .seconds(30))
        -> CredentialError?
    {
        do {
            _ = try source.resolve(environment: environment, commandTimeout: timeout)
            return nil
        } catch {
            #expect(!error.message.contains(canary))
            #expect(!"\(error)".contains(canary))
            #expect(!String(reflecting: error).contains(canary))
            return error
        }
    }

    // MARK: environment

    @Test func environmentVariable() throws {
        let secret = try PasswordSource.environment("PW").resolve(environment: ["PW": canary])
        #expect(secret.testString == canary)
    }

    @Test func environmentVariableKeepsNewlines() throws {
        #expect(try PasswordSource.environment("PW").resolve(environment: ["PW": "a\n"]).testString == "a\n")
    }

    @Test func missingEnvironmentVariable() throws {
        let error = try #require(failure(.environment("PW"), environment: ["OTHER": canary]))
        #expect(error.code == .environmentVariableMissing)
        #expect(error.message.contains("PW"))
        #expect(error.exitStatus == .config)
    }

    @Test func emptyEnvironmentVariable() throws {
        let error = try #require(failure(.environment("PW"), environment: ["PW": ""]))
        #expect(error.code == .environmentVariableEmpty)
        #expect(error.exitStatus == .config)
    }

    // MARK: file

    // "PW" stands for the canary, so that test names in the output never show it.
    @Test(arguments: [
        ("PW\n", "PW"), ("PW\r\n", "PW"), ("PW\n\n", "PW\n"), ("PW", "PW"), (" PW \n", " PW "), ("PW\r", "PW\r"),
    ])
    func fileStripsOneLineEnd(template: String, expectedTemplate: String) throws {
        let contents = template.replacingOccurrences(of: "PW", with: canary)
        let expected = expectedTemplate.replacingOccurrences(of: "PW", with: canary)
        let directory = try ScratchDirectory()
        let path = try directory.write("pw", contents, mode: 0o600)
        #expect(try PasswordSource.file(path).resolve(environment: [:]).testString == expected)
    }

    @Test func ownerReadOnlyFileIsAccepted() throws {
        let directory = try ScratchDirectory()
        let path = try directory.write("pw", canary, mode: 0o400)
        #expect(try PasswordSource.file(path).resolve(environment: [:]).testString == canary)
    }

    @Test(arguments: [0o640, 0o604, 0o660, 0o644, 0o602, 0o620])
    func fileOpenToGroupOrOthersIsRefused(mode: Int) throws {
        let directory = try ScratchDirectory()
        let path = try directory.write("pw", canary, mode: mode)
        let error = try #require(failure(.file(path)))
        #expect(error.code == .fileInsecure)
        #expect(error.message.contains(path))
        #expect(error.message.contains(String(format: "%04o", mode)))
        #expect(error.exitStatus == .config)
    }

    @Test func missingFile() throws {
        let directory = try ScratchDirectory()
        let error = try #require(failure(.file(directory.path + "/absent")))
        #expect(error.code == .fileUnreadable)
        #expect(error.message.contains("absent"))
        #expect(error.exitStatus == .noInput)
    }

    @Test func directoryIsNotAPasswordFile() throws {
        let directory = try ScratchDirectory()
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        let error = try #require(failure(.file(directory.path)))
        #expect(error.code == .fileInsecure)
    }

    @Test func oversizedFileIsRefused() throws {
        let directory = try ScratchDirectory()
        let path = try directory.write("pw", Data(repeating: 0x41, count: PasswordSource.maximumSecretBytes + 1))
        #expect(try #require(failure(.file(path))).code == .fileTooLarge)
        let atLimit = try directory.write("ok", Data(repeating: 0x41, count: PasswordSource.maximumSecretBytes))
        #expect(try PasswordSource.file(atLimit).resolve(environment: [:]).count == PasswordSource.maximumSecretBytes)
    }

    @Test(arguments: ["", "\n"])
    func emptyFileIsRefused(contents: String) throws {
        let directory = try ScratchDirectory()
        let path = try directory.write("pw", contents)
        #expect(try #require(failure(.file(path))).code == .emptyPassword)
    }

    // MARK: command

    @Test func commandOutputIsThePassword() throws {
        let secret = try PasswordSource.command("printf '%s\\n' \"$PW_FOR_TEST\"").resolve(environment: [
            "PW_FOR_TEST": canary
        ])
        #expect(secret.testString == canary)
    }

    @Test func commandKeepsAllButOneLineEnd() throws {
        #expect(try PasswordSource.command("printf 'a b\\n\\n'").resolve(environment: [:]).testString == "a b\n")
    }

    @Test func commandStandardInputIsEmpty() throws {
        // `cat` would hang on an inherited terminal; with /dev/null it prints nothing.
        #expect(try #require(failure(.command("cat"))).code == .emptyPassword)
    }

    @Test func commandStandardErrorIsNotThePassword() throws {
        let secret = try PasswordSource.command("echo diagnostic >&2; echo pw").resolve(environment: [:])
        #expect(secret.testString == "pw")
    }

    @Test func failingCommand() throws {
        let error = try #require(failure(.command("echo \(canary); exit 3")))
        #expect(error.code == .commandFailed)
        #expect(error.message.contains("status 3"))
        #expect(error.exitStatus == .unavailable)
    }

    @Test func commandKilledBySignal() throws {
        let error = try #require(failure(.command("echo \(canary); kill -9 $$")))
        #expect(error.code == .commandFailed)
        #expect(error.message.contains("signal"))
    }

    @Test func hangingCommandIsStopped() throws {
        let error = try #require(failure(.command("echo \(canary); exec sleep 60"), timeout: .milliseconds(200)))
        #expect(error.code == .commandTimedOut)
        #expect(error.exitStatus == .tempFail)
    }

    @Test func commandThatClosesItsOutputAndLingersIsStopped() throws {
        let error = try #require(
            failure(.command("echo \(canary); exec >&-; exec sleep 60"), timeout: .milliseconds(200)))
        #expect(error.code == .commandTimedOut)
    }

    @Test func timeoutStopsEverythingTheCommandStarted() throws {
        let directory = try ScratchDirectory()
        let pidFile = directory.path + "/background.pid"
        // The background sleep holds stdout open; the shell waits for it.
        let command = "sleep 60 & echo $! > '\(pidFile)'; wait"
        let error = try #require(failure(.command(command), timeout: .milliseconds(300)))
        #expect(error.code == .commandTimedOut)
        let text = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let background = try #require(Int32(text))
        // SIGKILL is delivered asynchronously: wait (bounded) until the process is gone or a zombie.
        func isGone() -> Bool {
            guard kill(background, 0) == 0 else { return true }
            let state = (try? String(contentsOfFile: "/proc/\(background)/stat", encoding: .utf8)) ?? ""
            return state.isEmpty || state.split(separator: ")").last?.split(separator: " ").first == "Z"
        }
        var waited = 0
        while !isGone() && waited < 500 {
            usleep(10_000)
            waited += 1
        }
        #expect(isGone())
        if !isGone() { kill(background, SIGKILL) }
    }

    @Test(arguments: ["head -c 70000 /dev/zero", "yes CANARY", "yes CANARY & yes CANARY; wait"])
    func hugeOutputIsRefused(template: String) throws {
        let error = try #require(failure(.command(template.replacingOccurrences(of: "CANARY", with: canary))))
        #expect(error.code == .commandOutputTooLarge)
        #expect(error.exitStatus == .config)
    }

    @Test func commandDescriptionHidesTheCommandLine() {
        #expect(!PasswordSource.command("echo \(canary)").description.contains(canary))
    }
}
