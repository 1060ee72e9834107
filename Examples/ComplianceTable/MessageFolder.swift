import Foundation

/// The `.eml` files of one folder, read with a size bound.
struct MessageFolder {
    /// Files larger than this are not read: the example holds each message in memory, and a
    /// hostile folder must not make it allocate without bound.
    static let maximumMessageBytes = 64 << 20

    /// One message file: its name and its bytes, or why they could not be read.
    struct Entry {
        var name: String
        var contents: Result<[UInt8], ReadError>
    }

    /// Why one file could not be read.
    struct ReadError: Error {
        var message: String
    }

    /// Why the folder cannot be listed.
    struct FolderError: Error {
        var message: String
    }

    let path: String

    /// Every regular `.eml` file (any case of the suffix; symbolic links followed), sorted by name.
    func entries() throws(FolderError) -> [Entry] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FolderError(message: "\(path): no such folder")
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw FolderError(message: "\(path): cannot list the folder")
        }
        let folder = URL(fileURLWithPath: path, isDirectory: true)
        let messages = names.filter { $0.lowercased().hasSuffix(".eml") }.sorted().compactMap { name -> Entry? in
            let url = folder.appendingPathComponent(name)
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { return nil }
            return Entry(name: name, contents: Self.read(url))
        }
        guard !messages.isEmpty else { throw FolderError(message: "\(path): no .eml files") }
        return messages
    }

    private static func read(_ url: URL) -> Result<[UInt8], ReadError> {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            return .failure(ReadError(message: "cannot open the file"))
        }
        defer { try? handle.close() }
        do {
            // One byte more than allowed tells "too large" from "exactly the limit".
            let data = try handle.read(upToCount: maximumMessageBytes + 1) ?? Data()
            guard data.count <= maximumMessageBytes else {
                return .failure(ReadError(message: "larger than \(maximumMessageBytes >> 20) MiB; not evaluated"))
            }
            return .success([UInt8](data))
        } catch {
            return .failure(ReadError(message: "cannot read the file"))
        }
    }
}
