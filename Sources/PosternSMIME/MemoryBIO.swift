import CLibCrypto

/// Owns one OpenSSL memory BIO and frees it in `deinit`.
///
/// Not `Sendable`: a BIO has a read/write position and is used by one
/// operation on one thread.
final class MemoryBIO {
    /// The BIO; valid for the lifetime of this object, never freed elsewhere.
    let pointer: OpaquePointer

    /// An empty, writable memory BIO.
    init() throws {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot allocate a memory BIO")
        }
        pointer = bio
    }

    /// A memory BIO that holds a private copy of `bytes` for reading, and
    /// reports end-of-file once they are read.
    init(copying bytes: some Collection<UInt8>) throws {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot allocate a memory BIO")
        }
        pointer = bio
        try write(bytes)
        // The input is complete: without this an empty BIO says "retry", and
        // OpenSSL's parsers fail with "not enough data" at chunk boundaries.
        postern_BIO_set_mem_eof_return(bio, 0)
    }

    deinit {
        BIO_free(pointer)
    }

    /// Appends `bytes`.
    func write(_ bytes: some Collection<UInt8>) throws {
        let written: Bool =
            bytes.withContiguousStorageIfAvailable { buffer in
                Self.write(UnsafeRawBufferPointer(buffer), to: pointer)
            }
            ?? Array(bytes).withUnsafeBytes { buffer in
                Self.write(buffer, to: pointer)
            }
        guard written else {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot write to a memory BIO")
        }
    }

    /// Writes all of `buffer` to any BIO, looping over short writes.
    static func write(_ buffer: UnsafeRawBufferPointer, to bio: OpaquePointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let chunk = Int32(clamping: buffer.count - offset)
            let written = BIO_write(bio, buffer.baseAddress.map { $0 + offset }, chunk)
            if written <= 0 { return false }
            offset += Int(written)
        }
        return true
    }

    /// Removes and returns everything buffered so far.
    func drain() -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let read = chunk.withUnsafeMutableBytes { buffer in
                BIO_read(pointer, buffer.baseAddress, Int32(buffer.count))
            }
            if read <= 0 { break }
            result.append(contentsOf: chunk[0..<Int(read)])
        }
        return result
    }
}
