import Foundation

/// Reads the message to seal.
enum SealInputReader {
    struct Failure: Error {
        var message: String
    }

    /// The input octets, or why the file cannot be read (exit 66).
    static func read(_ input: SealRequest.Input) -> Result<[UInt8], Failure> {
        switch input {
        case .bytes(let bytes):
            return .success(bytes)
        case .file(let path):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                return .failure(Failure(message: "\(path): no such file"))
            }
            guard !isDirectory.boolValue else { return .failure(Failure(message: "\(path): is a directory")) }
            guard let data = FileManager.default.contents(atPath: path) else {
                return .failure(Failure(message: "\(path): cannot be read"))
            }
            return .success([UInt8](data))
        }
    }
}
