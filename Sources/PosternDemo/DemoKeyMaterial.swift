import Foundation

/// Makes the demo key set when it is missing, with the repository's `keys/generate` (idempotent).
public enum DemoKeyMaterial {
    /// Runs `generator` (e.g. `keys/generate`) when `configuration` lacks a required key file.
    ///
    /// The script's own output goes to this process's stderr. Returns whether it ran. The wait for the script
    /// (seconds: it makes RSA keys and a GnuPG keyring) suspends the caller instead of blocking a thread of the
    /// cooperative pool.
    /// - Throws: ``DemoError`` when the script is missing or fails.
    @discardableResult
    public static func ensure(_ configuration: DemoConfiguration, generator: String) async throws(DemoError) -> Bool {
        guard !configuration.missingKeyFiles.isEmpty else { return false }
        guard FileManager.default.isExecutableFile(atPath: generator) else {
            throw DemoError("the demo keys are missing and \(generator) is not there to make them")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: generator)
        process.standardOutput = FileHandle.standardError
        let status: Int32
        do {
            status = try await withCheckedThrowingContinuation { continuation in
                // Foundation calls the handler on a thread of its own once the child has exited.
                process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        } catch {
            throw DemoError("cannot run \(generator): \(error)")
        }
        guard status == 0 else {
            throw DemoError("\(generator) failed with status \(status)")
        }
        let missing = configuration.missingKeyFiles
        guard missing.isEmpty else {
            throw DemoError("\(generator) ran, but \(missing.joined(separator: ", ")) still missing")
        }
        return true
    }
}
