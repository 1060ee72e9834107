/// Options for writing a message.
public struct WriteOptions: Hashable, Sendable {
    /// Re-encode so the output is 7-bit clean: 8-bit text parts become quoted-printable
    /// and 8-bit non-text parts base64 (what signing wants, RFC 8551 §3.1.1).
    public var sevenBitClean: Bool

    /// Creates options.
    public init(sevenBitClean: Bool = false) { self.sevenBitClean = sevenBitClean }
}

/// Writes entities in canonical form: CRLF line endings, no line over 998 octets.
public enum MessageWriter {
    /// The longest line RFC 5322 §2.1.1 allows, excluding CRLF.
    public static let maxLineLength = 998

    /// Returns `entity` with every leaf that needs it re-encoded: a body line over 998 octets
    /// becomes quoted-printable (and, with ``WriteOptions/sevenBitClean``, 8-bit text becomes
    /// quoted-printable and 8-bit binary base64), its Content-Transfer-Encoding set to match.
    ///
    /// Call this before signing so the signed octets are exactly the ones sent.
    ///
    /// - Throws: ``MIMEError/Code/unknownTransferEncoding`` when a part that needs
    ///   re-encoding has an encoding this module cannot decode, or a decoding error.
    public static func prepared(_ entity: MIMEEntity, options: WriteOptions = WriteOptions()) throws -> MIMEEntity {
        try prepare(entity, options: options)
    }

    /// The canonical octets of `entity` after ``prepared(_:options:)``.
    public static func serialize(_ entity: MIMEEntity, options: WriteOptions = WriteOptions()) throws -> [UInt8] {
        var out: [UInt8] = []
        write(try prepared(entity, options: options), into: &out)
        return out
    }

    /// Writes an already-prepared entity as is.
    static func write(_ entity: MIMEEntity, into out: inout [UInt8]) {
        out.append(contentsOf: entity.headers.serialized)
        out.append(contentsOf: crlf)
        switch entity.body {
        case .leaf(let bytes):
            out.append(contentsOf: bytes)
        case .message(let inner):
            write(inner, into: &out)
        case .multipart(let multipart):
            let dashBoundary = Array(("--" + multipart.boundary).utf8)
            if let preamble = multipart.preamble {
                out.append(contentsOf: preamble)
                out.append(contentsOf: crlf)
            }
            for (index, part) in multipart.parts.enumerated() {
                if index > 0 { out.append(contentsOf: crlf) }
                out.append(contentsOf: dashBoundary)
                out.append(contentsOf: crlf)
                write(part, into: &out)
            }
            out.append(contentsOf: crlf)
            out.append(contentsOf: dashBoundary)
            out.append(contentsOf: [UInt8(ascii: "-"), UInt8(ascii: "-")])
            if let epilogue = multipart.epilogue {
                out.append(contentsOf: crlf)
                out.append(contentsOf: epilogue)
            }
        }
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]

    private static func prepare(_ original: MIMEEntity, options: WriteOptions) throws -> MIMEEntity {
        var entity = original
        entity.headers = try refoldingLongLines(entity.headers)
        switch entity.body {
        case .message(let inner):
            var copy = entity
            copy.body = .message(try prepare(inner, options: options))
            return copy
        case .multipart(var multipart):
            // The writer uses `multipart.boundary`; keep the Content-Type parameter in step with it.
            var contentType = try entity.headers.contentType()
            if !contentType.isMultipart { contentType = ContentType(type: "multipart", subtype: "mixed") }
            if contentType[parameter: "boundary"] != multipart.boundary {
                contentType[parameter: "boundary"] = multipart.boundary
                try entity.headers.set("Content-Type", contentType.description)
            }
            if let preamble = multipart.preamble { multipart.preamble = canonical(preamble) }
            if let epilogue = multipart.epilogue { multipart.epilogue = canonical(epilogue) }
            multipart.parts = try multipart.parts.map { part in
                var prepared = try prepare(part, options: options)
                if options.sevenBitClean { prepared.headers = try HeaderEncoding.sevenBit(prepared.headers) }
                return prepared
            }
            // Preamble and epilogue are ignored by readers; keep them only if they are already clean.
            if let preamble = multipart.preamble, !isClean(preamble, options: options) { multipart.preamble = [] }
            if let epilogue = multipart.epilogue, !isClean(epilogue, options: options) { multipart.epilogue = [] }
            var copy = entity
            copy.body = .multipart(multipart)
            return copy
        case .leaf(let original):
            // Bodies built through the API may carry bare CR or LF; the output never does.
            let bytes = canonical(original)
            if bytes != original { entity.body = .leaf(bytes) }
            let encoding = entity.headers.contentTransferEncoding
            let tooLong = Canonicalizer.longestLine(bytes[...]) > maxLineLength
            let eightBit = options.sevenBitClean && Canonicalizer.containsEightBitOrNUL(bytes)
            guard tooLong || eightBit else { return entity }
            let contentType = try entity.headers.contentType()
            if contentType.type == "message" || contentType.isMultipart {
                throw MIMEError(
                    .malformedEncoding,
                    "\(contentType.mimeType) part needs re-encoding, which RFC 2046 does not allow")
            }
            let decoded = try TransferEncoding.decode(bytes[...], encoding: encoding)
            // Long lines alone always become quoted-printable (contract §3.4); for 7-bit cleanliness
            // binary content is smaller and safer as base64.
            let useBase64 = encoding == "base64" || (options.sevenBitClean && !contentType.isText)
            var copy = entity
            if useBase64 {
                copy.body = .leaf(Base64.encode(decoded))
                try copy.headers.set("Content-Transfer-Encoding", "base64")
            } else {
                copy.body = .leaf(QuotedPrintable.encode(decoded, text: contentType.isText || encoding != "binary"))
                try copy.headers.set("Content-Transfer-Encoding", "quoted-printable")
            }
            return copy
        }
    }

    private static func canonical(_ bytes: [UInt8]) -> [UInt8] {
        hasBareLineEnding(bytes) ? Canonicalizer.canonicalLineEndings(bytes) : bytes
    }

    private static func hasBareLineEnding(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case 0x0D:
                guard index + 1 < bytes.count, bytes[index + 1] == 0x0A else { return true }
                index += 2
            case 0x0A:
                return true
            default:
                index += 1
            }
        }
        return false
    }

    /// Refolds any field with a physical line over 998 octets (possible when the parser's
    /// ``MessageSizeLimits/maxHeaderLineLength`` was raised); a field that cannot be folded is an error.
    private static func refoldingLongLines(_ headers: Headers) throws -> Headers {
        guard headers.contains(where: { Canonicalizer.longestLine($0.serialized[...]) > maxLineLength }) else {
            return headers
        }
        return Headers(
            try headers.map { field in
                guard Canonicalizer.longestLine(field.serialized[...]) > maxLineLength else { return field }
                return try HeaderField(name: field.name, value: field.value)
            })
    }

    private static func isClean(_ bytes: [UInt8], options: WriteOptions) -> Bool {
        Canonicalizer.longestLine(bytes[...]) <= maxLineLength
            && !(options.sevenBitClean && Canonicalizer.containsEightBitOrNUL(bytes))
    }
}
