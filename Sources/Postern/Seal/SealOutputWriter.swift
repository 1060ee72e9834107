import Foundation

/// Turns the protected octets into the outcome: writes the files (all or none) and
/// fills in the report's `protection` section and the summary.
enum SealOutputWriter {
    /// The exit status for an output file that cannot be written (`EX_CANTCREAT`).
    static let cannotCreate = ExitStatus(rawValue: 73)

    /// The file a Bcc copy goes to: `OUTPUT.bcc-N`, N counting from 1.
    static func bccFile(for output: String, index: Int) -> String { "\(output).bcc-\(index + 1)" }

    static func finish(
        _ copies: ProtectedCopies, envelope: DerivedEnvelope, plan: ProtectionPlan, algorithms: SealAlgorithms,
        outputFile: String?, policy: Report.Policy
    ) -> SealOutcome {
        var mainContent = SealedContent.bytes(copies.main)
        var blindContents = copies.blind.map { SealedContent.bytes($0.bytes ?? copies.main) }
        if let outputFile {
            var files: [(path: String, bytes: [UInt8])] = [(outputFile, copies.main)]
            for (index, copy) in copies.blind.enumerated() {
                if let bytes = copy.bytes { files.append((bccFile(for: outputFile, index: index), bytes)) }
            }
            do {
                try AtomicFiles.write(files)
            } catch {
                let report = Report(
                    verb: SealPipeline.verb, exitCode: cannotCreate, decision: .error, policy: policy,
                    error: "\(error)")
                return SealOutcome(report: report, summary: "postern seal: nothing written: \(error)")
            }
            mainContent = .file(outputFile)
            blindContents = copies.blind.enumerated().map { index, copy in
                copy.bytes == nil ? .file(outputFile) : .file(bccFile(for: outputFile, index: index))
            }
        }
        let main = SealedCopy(
            envelopeRecipients: envelope.visibleRecipients, encryptedTo: copies.mainEncryptedTo, content: mainContent)
        let blind = zip(envelope.bccRecipients, zip(copies.blind, blindContents)).map { address, pair in
            SealedCopy(envelopeRecipients: [address], encryptedTo: pair.0.encryptedTo, content: pair.1)
        }
        return outcome(main: main, blind: blind, envelope: envelope, plan: plan, algorithms: algorithms, policy: policy)
    }

    /// The successful outcome for copies already in place.
    static func outcome(
        main: SealedCopy, blind: [SealedCopy], envelope: DerivedEnvelope, plan: ProtectionPlan,
        algorithms: SealAlgorithms, policy: Report.Policy
    ) -> SealOutcome {
        let protection = Report.Protection(
            signed: plan.sign?.rawValue, encrypted: plan.encrypt?.rawValue,
            recipients: plan.encrypt != nil ? envelope.recipients : nil)
        let report = Report(verb: SealPipeline.verb, exitCode: .ok, policy: policy, protection: protection)
        return SealOutcome(
            report: report, main: main, bccCopies: blind,
            summary: summary(plan: plan, algorithms: algorithms, main: main, blind: blind))
    }

    /// One paragraph: what was applied, why, to whom, and where the Bcc copies are.
    static func summary(plan: ProtectionPlan, algorithms: SealAlgorithms, main: SealedCopy, blind: [SealedCopy])
        -> String
    {
        var sentences: [String] = []
        if let format = plan.sign {
            let detail = format == .smime ? " with \(algorithms.digest.policyName)" : ""
            sentences.append(
                "signed (\(format.rawValue)\(detail), \(plan.signImposed ? "required by the policy" : "requested"))")
        }
        if let format = plan.encrypt {
            let detail = format == .smime ? " \(algorithms.cipher.policyName)" : ""
            let whom = main.encryptedTo.isEmpty ? "nobody but the Bcc copies" : main.encryptedTo.joined(separator: ", ")
            sentences.append(
                "encrypted (\(format.rawValue)\(detail), \(plan.encryptImposed ? "required by the policy" : "requested")) to \(whom), Subject hidden as [...]"
            )
        }
        var text = "postern seal: "
        text +=
            sentences.isEmpty
            ? "no protection required or requested; Bcc removed" : sentences.joined(separator: " and ")
        if !blind.isEmpty {
            if plan.encrypt != nil {
                let places = blind.map { copy -> String in
                    let address = copy.envelopeRecipients.joined()
                    if case .file(let path) = copy.content { return "\(address) in \(path)" }
                    return address
                }
                text +=
                    "; \(blind.count) separate Bcc cop\(blind.count == 1 ? "y" : "ies") (\(places.joined(separator: ", ")))"
            } else {
                text +=
                    "; \(blind.count) Bcc recipient\(blind.count == 1 ? "" : "s") get the same copy in separate transactions"
            }
        }
        return text + "."
    }
}

/// Writes several files so that either all of them appear or none does.
enum AtomicFiles {
    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes each file to a temporary name in its directory, then renames them all.
    /// On any failure every temporary (and every file already renamed) is removed.
    /// A fresh temporary name in the directory of `path`.
    static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).postern-\(UUID().uuidString.prefix(8))").path
    }

    /// Renames each temporary onto its final name; on failure removes every temporary
    /// and every file already renamed, so either all appear or none.
    static func commit(_ pairs: [(temporary: String, final: String)]) throws {
        var renamed: [String] = []
        for (temporary, final) in pairs {
            guard rename(temporary, final) == 0 else {
                let reason = String(cString: strerror(errno))
                for (temporary, _) in pairs { try? FileManager.default.removeItem(atPath: temporary) }
                for final in renamed { try? FileManager.default.removeItem(atPath: final) }
                throw WriteError(description: "\(final): cannot be written (\(reason))")
            }
            renamed.append(final)
        }
    }

    static func write(_ files: [(path: String, bytes: [UInt8])]) throws {
        var temporaries: [(temporary: String, final: String)] = []
        var renamed: [String] = []
        do {
            for file in files where !isRegularOrAbsent(file.path) {
                // A device or pipe (/dev/null, /dev/stdout, a FIFO) cannot be renamed onto: write it directly.
                guard let handle = FileHandle(forWritingAtPath: file.path) else {
                    throw WriteError(description: "\(file.path): cannot be written")
                }
                defer { try? handle.close() }
                try handle.write(contentsOf: Data(file.bytes))
            }
            for file in files where isRegularOrAbsent(file.path) {
                let url = URL(fileURLWithPath: file.path)
                let temporary = url.deletingLastPathComponent()
                    .appendingPathComponent(".\(url.lastPathComponent).postern-\(UUID().uuidString.prefix(8))").path
                temporaries.append((temporary, file.path))
                let created = file.bytes.withUnsafeBufferPointer { buffer in
                    FileManager.default.createFile(
                        atPath: temporary, contents: Data(buffer: buffer), attributes: [.posixPermissions: 0o600])
                }
                guard created else { throw WriteError(description: "\(file.path): cannot be written") }
            }
            for (temporary, final) in temporaries {
                guard rename(temporary, final) == 0 else {
                    throw WriteError(description: "\(final): cannot be written (\(String(cString: strerror(errno))))")
                }
                renamed.append(final)
            }
        } catch {
            for (temporary, _) in temporaries { try? FileManager.default.removeItem(atPath: temporary) }
            for final in renamed { try? FileManager.default.removeItem(atPath: final) }
            throw error
        }
    }

    private static func isRegularOrAbsent(_ path: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return true }
        return attributes[.type] as? FileAttributeType == .typeRegular
    }
}
