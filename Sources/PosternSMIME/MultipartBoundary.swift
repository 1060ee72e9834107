/// Checks for the multipart/signed boundary (RFC 2046 §5.1.1).
enum MultipartBoundary {
    /// RFC 2046 `bchars`: letters, digits and `'()+_,-./:=? ` (space not last).
    static func validate(_ boundary: String) throws {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'()+_,-./:=? ".utf8)
        let bytes = Array(boundary.utf8)
        guard (1...70).contains(bytes.count), bytes.allSatisfy(allowed.contains), bytes.last != UInt8(ascii: " ")
        else {
            throw SMIMEError(
                code: .invalidBoundary,
                message: "boundary \"\(boundary.prefix(80))\" is not 1-70 RFC 2046 characters")
        }
    }
}

/// Finds a line that starts with `--BOUNDARY` in content streamed in chunks.
///
/// Such a line inside the signed part would end the part early for every
/// reader, so the content must be rejected (the caller picks another boundary).
/// The match is deliberately wider than RFC 2046's delimiter (any line start,
/// after CRLF or bare LF): a false alarm costs a new boundary, a miss costs a
/// broken signature.
struct BoundaryScanner {
    private let pattern: [UInt8]
    /// How many bytes of `pattern` the current line has matched; -1 once it cannot match.
    private var matched = 0
    /// Set once a line starting with the delimiter was seen.
    private(set) var found = false

    init(boundary: String) {
        pattern = Array("--\(boundary)".utf8)
    }

    mutating func scan(_ bytes: UnsafeRawBufferPointer) {
        guard !found else { return }
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                matched = 0
            } else if matched >= 0 {
                if byte == pattern[matched] {
                    matched += 1
                    if matched == pattern.count {
                        found = true
                        return
                    }
                } else {
                    matched = -1
                }
            }
        }
    }
}
