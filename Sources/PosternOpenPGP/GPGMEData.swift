import CGPGME

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where an operation's output goes: a growing byte array or a file descriptor, with
/// optional CRLF normalisation (for armor), fed by GPGME through write callbacks.
final class OutputSink {
    private(set) var bytes: [UInt8] = []
    private let fd: Int32?
    private let normalises: Bool
    private var normaliser = CRLFNormaliser()
    private var scratch: [UInt8] = []
    /// The errno of the first failed write, if any.
    private(set) var writeErrno: Int32?
    /// Bytes written so far (after normalisation).
    private(set) var byteCount = 0
    /// Refuse engine output beyond this many bytes (a compressed message can expand hugely).
    private let limit: Int?
    /// Whether the engine tried to write more than ``limit``.
    private(set) var limitExceeded = false

    /// A sink that collects into memory, refusing to grow beyond `limit` bytes when given.
    init(normalisingLineEndings: Bool, limit: Int? = nil) {
        fd = nil
        normalises = normalisingLineEndings
        self.limit = limit
    }

    /// A sink that writes to `fd` (which the caller owns and closes).
    init(fileDescriptor: Int32, normalisingLineEndings: Bool) {
        fd = fileDescriptor
        normalises = normalisingLineEndings
        limit = nil
    }

    /// Appends bytes as they are (our own MIME framing).
    func appendRaw(_ data: [UInt8]) throws {
        try data.withUnsafeBytes { try emit($0) }
    }

    /// Appends bytes from GPGME, normalising line endings when asked to.
    func appendFromEngine(_ chunk: UnsafeRawBufferPointer) throws {
        guard normalises else { return try emit(chunk) }
        scratch.removeAll(keepingCapacity: true)
        normaliser.normalise(chunk, into: &scratch)
        try scratch.withUnsafeBytes { try emit($0) }
    }

    /// Flushes a held-back CR; call when the engine is done.
    func finishEngineOutput() throws {
        scratch.removeAll(keepingCapacity: true)
        normaliser.finish(into: &scratch)
        try scratch.withUnsafeBytes { try emit($0) }
    }

    private func emit(_ chunk: UnsafeRawBufferPointer) throws {
        byteCount += chunk.count
        guard let fd else {
            bytes.append(contentsOf: chunk)
            return
        }
        try writeAll(fd: fd, chunk)
    }

    fileprivate func engineWrite(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if let limit, byteCount + chunk.count > limit {
            limitExceeded = true
            writeErrno = EFBIG
            return false
        }
        do {
            try appendFromEngine(chunk)
            return true
        } catch {
            writeErrno = errno == 0 ? EIO : errno
            return false
        }
    }
}

/// Writes the whole chunk to `fd`, retrying on EINTR and short writes.
func writeAll(fd: Int32, _ chunk: UnsafeRawBufferPointer) throws {
    guard var base = chunk.baseAddress else { return }
    var remaining = chunk.count
    while remaining > 0 {
        let n = write(fd, base, remaining)
        if n < 0 {
            if errno == EINTR { continue }
            throw PGPError(code: .ioFailure, message: "write failed: \(String(cString: strerror(errno)))")
        }
        remaining -= n
        base += n
    }
}

/// Owns one `gpgme_data_t` (and, for callback-backed data, the callback table and the
/// sink it points at); `deinit` releases them in that order.
final class GPGMEData {
    let raw: gpgme_data_t
    private let callbacks: UnsafeMutablePointer<gpgme_data_cbs>?
    private let sink: OutputSink?

    private init(raw: gpgme_data_t, callbacks: UnsafeMutablePointer<gpgme_data_cbs>? = nil, sink: OutputSink? = nil) {
        self.raw = raw
        self.callbacks = callbacks
        self.sink = sink
    }

    deinit {
        gpgme_data_release(raw)
        callbacks?.deinitialize(count: 1)
        callbacks?.deallocate()
    }

    /// Data that reads `buffer` in place (no copy).
    ///
    /// - Important: `buffer` must stay valid for as long as this object is used; callers
    ///   create and use it inside the buffer's `withUnsafeBytes` scope.
    static func borrowing(_ buffer: UnsafeRawBufferPointer) throws -> GPGMEData {
        var dh: gpgme_data_t?
        if let base = buffer.baseAddress, buffer.count > 0 {
            try checkGPGME(
                gpgme_data_new_from_mem(&dh, base.assumingMemoryBound(to: CChar.self), buffer.count, 0),
                "cannot wrap input bytes")
        } else {
            try checkGPGME(gpgme_data_new(&dh), "cannot create empty input data")
        }
        guard let dh else { throw PGPError(code: .engineFailure, message: "GPGME returned no data object") }
        return GPGMEData(raw: dh)
    }

    /// Data that reads from (or writes to) the file descriptor `fd`, from its current
    /// position, without buffering the whole content. The caller owns `fd`.
    static func fileDescriptor(_ fd: Int32) throws -> GPGMEData {
        var dh: gpgme_data_t?
        try checkGPGME(gpgme_data_new_from_fd(&dh, fd), "cannot wrap file descriptor")
        guard let dh else { throw PGPError(code: .engineFailure, message: "GPGME returned no data object") }
        return GPGMEData(raw: dh)
    }

    /// Write-only data whose bytes go to `sink`.
    static func writing(to sink: OutputSink) throws -> GPGMEData {
        let table = UnsafeMutablePointer<gpgme_data_cbs>.allocate(capacity: 1)
        table.initialize(to: gpgme_data_cbs(read: nil, write: sinkWriteCallback, seek: nil, release: nil))
        var dh: gpgme_data_t?
        // The sink is retained by the returned object for as long as GPGME may call back.
        let err = gpgme_data_new_from_cbs(&dh, table, Unmanaged.passUnretained(sink).toOpaque())
        guard postern_gpgme_err_code(err) == postern_gpg_err_code_no_error(), let dh else {
            table.deinitialize(count: 1)
            table.deallocate()
            throw PGPError.gpgme(err, "cannot create output data")
        }
        return GPGMEData(raw: dh, callbacks: table, sink: sink)
    }
}

/// GPGME's write callback: forwards to the `OutputSink` passed as the handle.
/// Non-capturing so that it converts to a C function pointer.
private let sinkWriteCallback: gpgme_data_write_cb_t = { handle, buffer, size in
    guard let handle else {
        errno = EINVAL
        return -1
    }
    let sink = Unmanaged<OutputSink>.fromOpaque(handle).takeUnretainedValue()
    let ok = sink.engineWrite(UnsafeRawBufferPointer(start: buffer, count: size))
    if !ok {
        errno = sink.writeErrno ?? EIO
        return -1
    }
    return size
}
