import Foundation
import PosternMIME
import PosternOpenPGP
import PosternSMIME

/// Seals a ``StreamingSource`` into temporary files in bounded memory: S/MIME through
/// ``SMIMEStreamWriter``, OpenPGP through the keyring's file variants.
///
/// Returns the temporary files (renamed into place by the caller only when the whole
/// seal succeeded) and whom each copy was encrypted to.
struct StreamingProtector {
    let source: StreamingSource
    let plan: ProtectionPlan
    let envelope: DerivedEnvelope
    let smime: SMIMESealKeys?
    let pgp: PGPSealKeys?
    let algorithms: SealAlgorithms

    struct Copy {
        var temporary: String
        var encryptedTo: [String]
    }

    /// Seals the main copy to a temporary next to `outputFile`, and each blind copy
    /// (when encrypting) next to its `OUTPUT.bcc-N`. On failure every temporary is removed.
    func protect(outputFile: String) throws -> (main: Copy, blind: [Copy?]) {
        var made: [String] = []
        do {
            let protection = try HeaderProtection.protect(
                source.message, as: plan.encrypt != nil ? .encrypted : .signed)
            var innerHead = protection.inner.headers.serialized
            innerHead += [0x0D, 0x0A]
            let outer = protection.outerHeaders.serialized

            func seal(to recipients: [String], file: String) throws -> Copy {
                let temporary = AtomicFiles.temporaryPath(for: file)
                made.append(temporary)
                let encryptedTo = try sealCopy(
                    recipients: recipients, outer: outer, innerHead: innerHead, into: temporary, scratch: &made)
                return Copy(temporary: temporary, encryptedTo: encryptedTo)
            }
            let main = try seal(to: envelope.visibleRecipients, file: outputFile)
            var blind: [Copy?] = []
            for (index, address) in envelope.bccRecipients.enumerated() {
                blind.append(
                    plan.encrypt == nil
                        ? nil : try seal(to: [address], file: SealOutputWriter.bccFile(for: outputFile, index: index)))
            }
            return (main, blind)
        } catch {
            for path in made { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
    }

    private func sealCopy(
        recipients: [String], outer: [UInt8], innerHead: [UInt8], into path: String, scratch: inout [String]
    ) throws -> [String] {
        let output = try FileOutput(path: path)
        defer { output.close() }
        try output.write(outer)
        var boundaries = RandomBoundaryGenerator()
        switch plan.format {
        case .smime:
            guard let smime else { throw SealInternalError("S/MIME keys were not looked up") }
            let writer: SMIMEStreamWriter
            let options = SMIMEEncryptionOptions(cipher: algorithms.cipher, rsaKeyTransport: algorithms.rsaKeyTransport)
            var encryptedTo: [String] = []
            if plan.encrypt != nil {
                let certificates = smime.encryptionCertificates(for: recipients)
                encryptedTo =
                    recipients + (smime.senderCertificate != nil ? [envelope.sealingSender].compactMap { $0 } : [])
                if plan.sign != nil, let identity = smime.identity {
                    writer = try SMIMEStreamWriter.signingThenEncrypting(
                        identity: identity, digest: algorithms.digest, boundary: boundaries.nextBoundary(),
                        to: certificates, options: options, output: output.write)
                } else {
                    writer = try SMIMEStreamWriter.encrypting(to: certificates, options: options, output: output.write)
                }
            } else {
                guard let identity = smime.identity else { throw SealInternalError("no S/MIME signer") }
                writer = try SMIMEStreamWriter.signing(
                    identity: identity, digest: algorithms.digest, boundary: boundaries.nextBoundary(),
                    output: output.write)
            }
            try writer.write(innerHead)
            try source.forEachCanonicalBodyChunk { try writer.write($0) }
            try writer.finish()
            var seen = Set<String>()
            return encryptedTo.filter { seen.insert($0.lowercased()).inserted }

        case .openpgp:
            guard let pgp else { throw SealInternalError("OpenPGP keys were not looked up") }
            // GPGME's file variants read the inner entity from a file and write the body to one.
            let innerFile = AtomicFiles.temporaryPath(for: path + ".inner")
            let bodyFile = AtomicFiles.temporaryPath(for: path + ".body")
            defer {
                try? FileManager.default.removeItem(atPath: innerFile)
                try? FileManager.default.removeItem(atPath: bodyFile)
            }
            let inner = try FileOutput(path: innerFile)
            try inner.write(innerHead)
            try source.forEachCanonicalBodyChunk { try inner.write($0) }
            inner.close()
            let written: PGPMIMEFileOutput
            var encryptedTo: [String] = []
            let signer = plan.sign != nil ? pgp.signer : nil
            if plan.encrypt != nil {
                let keys = pgp.keys(for: recipients)
                guard let selfKey = pgp.senderKey ?? keys.first else {
                    throw SealInternalError("no OpenPGP key to encrypt this copy to")
                }
                written = try pgp.keyring.encrypt(
                    innerFile: innerFile, boundary: boundaries.nextBoundary(), recipients: keys,
                    encryptToSelf: selfKey, signer: signer, outputFile: bodyFile)
                encryptedTo = recipients + (pgp.senderKey != nil ? [envelope.sealingSender].compactMap { $0 } : [])
            } else {
                guard let signer else { throw SealInternalError("no OpenPGP signer") }
                written = try pgp.keyring.sign(
                    innerFile: innerFile, boundary: boundaries.nextBoundary(), signer: signer, outputFile: bodyFile)
            }
            try output.write(Array(PGPMIMEEntity(contentType: written.contentType, body: []).contentTypeHeader.utf8))
            try output.write([0x0D, 0x0A])
            guard let body = FileHandle(forReadingAtPath: bodyFile) else {
                throw SealInternalError("the OpenPGP body file vanished")
            }
            defer { try? body.close() }
            while let chunk = try body.read(upToCount: StreamingSource.chunkSize), !chunk.isEmpty {
                try output.write([UInt8](chunk))
            }
            var seen = Set<String>()
            return encryptedTo.filter { seen.insert($0.lowercased()).inserted }

        case nil:
            throw SealInternalError("no protection format decided")
        }
    }
}

/// A file being written, mode 0600; a reference type so the crypto output closures can share it.
final class FileOutput {
    private let handle: FileHandle

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw AtomicFiles.WriteError(description: "\(path): cannot be created") }
        self.handle = handle
    }

    func write(_ bytes: [UInt8]) throws {
        try handle.write(contentsOf: Data(bytes))
    }

    func close() {
        try? handle.close()
    }
}
