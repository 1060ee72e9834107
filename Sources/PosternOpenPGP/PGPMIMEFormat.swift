/// The fixed framing of PGP/MIME (RFC 3156 over RFC 1847), written with CRLF line ends.
/// Pure: strings and bytes only.
enum PGPMIMEFormat {
    static let signatureProtocol = "application/pgp-signature"
    static let encryptionProtocol = "application/pgp-encrypted"

    /// Armor lines that begin with "-"; every other armor line is base64 or a header
    /// ("Version:", "Comment:"), which can never start with "--".
    private static let armorDashLines = [
        "-----BEGIN PGP SIGNATURE-----", "-----END PGP SIGNATURE-----",
        "-----BEGIN PGP MESSAGE-----", "-----END PGP MESSAGE-----",
    ]

    /// Checks a boundary against RFC 2046 (1–70 characters from `bchars`, not ending in a
    /// space) and against the armor lines it could be mistaken for.
    static func validateBoundary(_ boundary: String) throws {
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ".utf8)
        let bytes = Array(boundary.utf8)
        guard (1...70).contains(bytes.count), bytes.allSatisfy(allowed.contains), bytes.last != 0x20 else {
            throw PGPError(
                code: .invalidInput,
                message:
                    "invalid MIME boundary \"\(boundary)\": 1–70 characters from RFC 2046 bchars, not ending in a space"
            )
        }
        let delimiter = "--" + boundary
        if armorDashLines.contains(where: { $0.hasPrefix(delimiter) }) {
            throw PGPError(
                code: .invalidInput, message: "MIME boundary \"\(boundary)\" collides with OpenPGP armor lines")
        }
    }

    /// `Content-Type` value of a signed entity.
    static func signedContentType(micalg: String, boundary: String) -> String {
        "multipart/signed; micalg=\(micalg); protocol=\"\(signatureProtocol)\"; boundary=\"\(boundary)\""
    }

    /// `Content-Type` value of an encrypted entity.
    static func encryptedContentType(boundary: String) -> String {
        "multipart/encrypted; protocol=\"\(encryptionProtocol)\"; boundary=\"\(boundary)\""
    }

    /// The body of a signed entity up to the first byte of the signed part.
    static func signedPrologue(boundary: String) -> [UInt8] {
        Array("This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n--\(boundary)\r\n".utf8)
    }

    /// From the end of the signed part to the first byte of the armored signature. The
    /// CRLF before the delimiter belongs to the delimiter (RFC 2046), not the signed data.
    static func signedMiddle(boundary: String) -> [UInt8] {
        Array(
            ("\r\n--\(boundary)\r\n"
                + "Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n"
                + "Content-Description: OpenPGP digital signature\r\n"
                + "Content-Disposition: attachment; filename=\"signature.asc\"\r\n"
                + "\r\n").utf8)
    }

    /// The body of an encrypted entity up to the first byte of the armored message: the
    /// `application/pgp-encrypted` part holding exactly "Version: 1" (RFC 3156 §4).
    static func encryptedPrologue(boundary: String) -> [UInt8] {
        Array(
            ("This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n"
                + "--\(boundary)\r\n"
                + "Content-Type: application/pgp-encrypted\r\n"
                + "Content-Description: PGP/MIME version identification\r\n"
                + "\r\n"
                + "Version: 1\r\n"
                + "\r\n"
                + "--\(boundary)\r\n"
                + "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n"
                + "Content-Description: OpenPGP encrypted message\r\n"
                + "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n"
                + "\r\n").utf8)
    }

    /// The close delimiter after the armor (which ends in CRLF already).
    static func epilogue(boundary: String) -> [UInt8] {
        Array("\r\n--\(boundary)--\r\n".utf8)
    }

    /// `micalg` value for a GPGME hash name: "SHA256" → "pgp-sha256" (RFC 3156 §5).
    static func micalg(hashName: String) -> String {
        "pgp-" + hashName.lowercased()
    }
}
