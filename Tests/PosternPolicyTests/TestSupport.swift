import Foundation
import Testing

@testable import PosternPolicy

/// Parses YAML text as a policy named `file`.
func document(_ yaml: String, file: String = "test.yaml") throws -> PolicyDocument {
    try PolicyLoader.parse(Array(yaml.utf8), file: file)
}

/// The diagnostics a text produces (empty when valid).
func diagnostics(_ yaml: String, file: String = "test.yaml") -> [PolicyDiagnostic] {
    diagnostics(bytes: Array(yaml.utf8), file: file)
}

func diagnostics(bytes: [UInt8], file: String = "test.yaml") -> [PolicyDiagnostic] {
    do {
        _ = try PolicyLoader.parse(bytes, file: file)
        return []
    } catch {
        return error.diagnostics
    }
}

/// The repository's `policies/` folder, found from this file's path.
func policiesFolder(_ filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("policies")
}

/// A deterministic generator (SplitMix64) so property tests are reproducible from their seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let headerYAML = "postern-policy: 1\nname: t\n"

enum JSONEncoderForTests {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }
}
