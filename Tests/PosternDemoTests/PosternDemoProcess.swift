import Foundation
import PosternTestSupport
import Testing

/// One run of the real `postern` executable.
typealias DemoProcessOutput = ExecutableRun

/// Runs the built `postern` binary (a dependency of this test target) as a subprocess (``BuiltExecutable``).
enum PosternDemoProcess {
    /// The `postern` executable next to the test bundle, else `.build/debug/postern` of this package.
    static func executable() throws -> URL {
        try BuiltExecutable.locate("postern", packageRoot: repositoryRoot)
    }

    /// Runs `postern ARGUMENTS` in `directory`, stdin from /dev/null, stdout and stderr captured in files
    /// (a pipe could fill up and block the child).
    static func run(
        _ arguments: [String], in directory: URL = repositoryRoot, environment: [String: String] = [:]
    ) async throws -> DemoProcessOutput {
        try await BuiltExecutable.run(try executable(), arguments, directory: directory, environment: environment)
    }
}
