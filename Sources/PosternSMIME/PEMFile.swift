import Foundation

/// Reads small PEM files with a size limit, so a hostile path (a device, a
/// huge file) cannot exhaust memory.
enum PEMFile {
    /// Certificates and keys are a few KiB; a whole chain stays far below this.
    static let maximumSize = 1 << 20

    static func read(_ path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SMIMEError(code: .io, message: "\(path): cannot open for reading")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumSize + 1) ?? Data()
        } catch {
            throw SMIMEError(code: .io, message: "\(path): \(error.localizedDescription)")
        }
        guard data.count <= maximumSize else {
            throw SMIMEError(code: .inputTooLarge, message: "\(path): larger than \(maximumSize) bytes")
        }
        return [UInt8](data)
    }
}
