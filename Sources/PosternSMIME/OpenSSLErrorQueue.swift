import CLibCrypto

/// Access to OpenSSL's thread-local error queue.
///
/// The queue belongs to the calling thread, so it must be cleared before and
/// drained right after a failing call, in the same synchronous stretch (never
/// across an `await`); otherwise reasons from one operation leak into another.
enum OpenSSLErrorQueue {
    /// Discards anything left over from earlier calls on this thread.
    static func clear() {
        ERR_clear_error()
    }

    /// Removes and returns every queued reason string, oldest first.
    static func drain() -> [String] {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { pointer in
                ERR_error_string_n(code, pointer.baseAddress, pointer.count)
            }
            // ERR_error_string_n always NUL-terminates within the buffer.
            let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // A hostile input can queue many errors; keep the report bounded.
            if reasons.count < 16 { reasons.append(text) }
        }
        return reasons
    }

    /// Builds an ``SMIMEError`` carrying the drained queue.
    static func error(_ code: SMIMEError.Code, _ message: String) -> SMIMEError {
        SMIMEError(code: code, message: message, openSSLErrors: drain())
    }
}
