/// A PGP/MIME entity as produced by signing or encrypting: its `Content-Type` header
/// value and its body, both with CRLF line endings.
public struct PGPMIMEEntity: Sendable, Hashable {
    /// The value of the `Content-Type` header, e.g.
    /// `multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="b1"`.
    public let contentType: String
    /// The multipart body (preamble, parts, close delimiter), CRLF throughout.
    public let body: [UInt8]

    /// Creates an entity.
    public init(contentType: String, body: [UInt8]) {
        self.contentType = contentType
        self.body = body
    }

    /// The `Content-Type` header line(s), folded before each parameter, ending in CRLF.
    public var contentTypeHeader: String {
        PGPMIMEEntity.foldedContentTypeHeader(contentType)
    }

    /// The entity as bytes: the `Content-Type` header, an empty line and the body. An
    /// outer message writer would normally add its own headers before this.
    public func serialized() -> [UInt8] {
        Array((contentTypeHeader + "\r\n").utf8) + body
    }

    static func foldedContentTypeHeader(_ value: String) -> String {
        "Content-Type: " + value.split(separator: "; ", omittingEmptySubsequences: false).joined(separator: ";\r\n ")
            + "\r\n"
    }
}

/// What a file-based signing or encryption wrote.
public struct PGPMIMEFileOutput: Sendable, Hashable {
    /// The value of the `Content-Type` header for the body written to the file.
    public let contentType: String
    /// How many bytes the body file holds.
    public let byteCount: Int
}
