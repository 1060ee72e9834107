import Foundation

/// Makes the demo key set when it is missing, with the repository's `keys/generate` (idempotent).
public enum DemoKeyMaterial {
    /// Runs `generator` (e.g. `keys/generate`) when `configuration` lacks a required key file.
    ///
    /// The script's own output goes to this process's stderr. Returns whether it ran.
    /// - Throws: ``DemoError`` when the script is missing or fails.
    @discardableResult
    public static func ensure(_ configuration: DemoConfiguration, generator: String) throws(DemoError) -> Bool {
        guard !configuration.missingKeyFiles.isEmpty else { return false }
        guard FileManager.default.isExecutableFile(atPath: generator) else {
            throw DemoError("the demo keys are missing and \(generator) is not there to make them")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: generator)
        process.standardOutput = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw DemoError("cannot run \(generator): \(error)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DemoError("\(generator) failed with status \(process.terminationStatus)")
        }
        let missing = configuration.missingKeyFiles
        guard missing.isEmpty else {
            throw DemoError("\(generator) ran, but \(missing.joined(separator: ", ")) still missing")
        }
        return true
    }
}
