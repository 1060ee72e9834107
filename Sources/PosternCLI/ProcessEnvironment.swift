import Foundation

/// The process environment, read in one place so that the logic below takes it as a value.
enum ProcessEnvironment {
    static var current: [String: String] { ProcessInfo.processInfo.environment }
}
