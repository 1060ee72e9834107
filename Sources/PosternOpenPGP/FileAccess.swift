#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Owns an open file descriptor; `deinit` closes it.
final class OpenFile {
    let fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    static func reading(_ path: String) throws -> OpenFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("cannot open \(path) for reading") }
        return OpenFile(fd: fd, path: path)
    }

    /// Creates (or truncates) `path` for writing, readable by the owner only.
    static func creating(_ path: String) throws -> OpenFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ioError("cannot create \(path)") }
        return OpenFile(fd: fd, path: path)
    }

    func rewind() throws {
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw OpenFile.ioError("cannot seek in \(path)") }
    }

    /// Calls `body` with successive chunks of the file until its end.
    func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw OpenFile.ioError("cannot read \(path)")
            }
            if n == 0 { return }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Maps the whole file read-only and calls `body` with its bytes; unmaps afterwards.
    /// The bytes must not be used after `body` returns.
    func mapped<T>(_ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw OpenFile.ioError("cannot stat \(path)") }
        let size = Int(info.st_size)
        guard size > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw OpenFile.ioError("cannot map \(path)")
        }
        defer { munmap(base, size) }
        return try body(UnsafeRawBufferPointer(start: base, count: size))
    }

    static func ioError(_ message: String) -> PGPError {
        PGPError(code: .ioFailure, message: "\(message): \(String(cString: strerror(errno)))")
    }

    static func remove(_ path: String) { unlink(path) }
}
