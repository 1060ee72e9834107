import Foundation

enum FileManagerProbe {
    static func isReadableFile(_ path: String) -> Bool {
        FileManager.default.isReadableFile(atPath: path)
    }
}
