import Foundation
import Logging
import PosternMIME
import PosternPolicy
import PosternSMIME

/// Evaluates the policy for one message and protects it as required or requested
/// (the `seal` verb, and the protection step of `send`). Never touches the network.
///
/// The decision:
/// 1. The envelope is `--from`/`--to`, else `From:` and `To:`/`Cc:`/`Bcc:`. The policy
///    is resolved for the sender and **all** recipients together, so one recipient
///    that requires encryption encrypts the message to all (CONTRACT §3.1).
/// 2. Signing and encryption are applied when asked for or required; a required one
///    that was not asked for is applied anyway. Asking for forbidden protection, or
///    for a format outside `formats`, is a violation (`format-not-allowed`).
/// 3. The format is the one asked for (`--sign` and `--encrypt` must agree); else the
///    policy's first allowed format for which every needed key exists; else its first
///    allowed format, whose missing keys are then reported.
/// 4. S/MIME uses the first allowed `smime.digest` and the first allowed
///    `smime.cipher` this build implements (AES-256-CBC, AES-256-GCM); recipient
///    certificates must pass `min-rsa-bits` and the checks of CONTRACT §3.4.
/// 5. Every copy is encrypted to its recipients and to the sender (the signer's
///    S/MIME certificate or one for the sender in `--smime-certs`; the sender's
///    OpenPGP key, else the signer's). No key for the sender only means the sender
///    cannot read its own copy; it is not a violation.
/// 6. Each Bcc recipient gets a separate copy (encrypted to that recipient and the
///    sender alone when encrypting); no copy carries a `Bcc:` header.
///
/// Any violation (a missing or unusable key for any recipient included) is exit 77
/// with every violation in the report, and **nothing** is written.
///
/// - Important: Exit statuses: 0 sealed; 64 `--sign` and `--encrypt` naming different
///   formats; 65 malformed message or envelope (the MIME error with its location);
///   66 input file missing or unreadable; 73 (`EX_CANTCREAT`) the output file cannot
///   be written; 69 an unexpected crypto engine failure; 77 the policy denied it.
public func seal(_ request: SealRequest, logger: Logger) async -> SealOutcome {
    SealPipeline(request: request, logger: logger).run()
}

/// The steps of ``seal(_:logger:)``, each returning early with an outcome on failure.
struct SealPipeline {
    let request: SealRequest
    let logger: Logger
    static let verb = "seal"

    func run() -> SealOutcome {
        if let sign = request.sign, let encrypt = request.encrypt, sign != encrypt {
            return failure(
                .usage, "--sign \(sign.rawValue) and --encrypt \(encrypt.rawValue) differ: one message has one format")
        }
        if case .file(let path) = request.input, request.outputFile != nil {
            do {
                if let source = try StreamingSource.open(path) {
                    let envelope = try DerivedEnvelope.forSeal(
                        message: source.message, sender: request.sender, recipients: request.recipients)
                    return decideAndProtect(
                        message: source.message, inputSize: source.size, envelope: envelope, streaming: source)
                }
            } catch let error as MIMEError {
                return failure(.dataErr, "malformed message: \(error)")
            } catch let error as ComplianceInputError {
                return failure(.dataErr, error.message)
            } catch {
                // Unreadable: the in-memory path reports it (66).
            }
        }
        return runInMemory()
    }

    /// Reads and parses the whole message, then decides and protects.
    private func runInMemory() -> SealOutcome {
        let bytes: [UInt8]
        switch SealInputReader.read(request.input) {
        case .success(let read): bytes = read
        case .failure(let error): return failure(.noInput, error.message)
        }
        let message: Message
        let envelope: DerivedEnvelope
        do {
            message = try Message(parsing: bytes)
            envelope = try DerivedEnvelope.forSeal(
                message: message, sender: request.sender, recipients: request.recipients)
        } catch let error as MIMEError {
            return failure(.dataErr, "malformed message: \(error)")
        } catch let error as ComplianceInputError {
            return failure(.dataErr, error.message)
        } catch {
            return failure(.dataErr, "malformed message: \(error)")
        }
        return decideAndProtect(message: message, inputSize: bytes.count, envelope: envelope, streaming: nil)
    }

    private func decideAndProtect(
        message: Message, inputSize: Int, envelope: DerivedEnvelope, streaming: StreamingSource?
    ) -> SealOutcome {
        let context = SendContext(
            sender: envelope.sealingSender, recipients: envelope.recipients, server: request.server)
        let resolved = request.policy.resolve(context)
        let policySection = Report.Policy(
            layers: request.policy.layerFiles, effective: request.policy.explain(for: context).effective)

        var smime: SMIMESealKeys?
        var pgp: PGPSealKeys?
        let signing = request.sign != nil || resolved.signLevel == .required
        func keys(_ format: ProtectionFormat) -> any SealFormatKeys {
            switch format {
            case .smime:
                let found =
                    smime
                    ?? SMIMESealKeys.lookUp(
                        request.keys, sender: envelope.sealingSender, recipients: envelope.recipients,
                        minimumRSABits: resolved.minimumRSABits, signing: signing)
                smime = found
                return found
            case .openpgp:
                let found =
                    pgp
                    ?? PGPSealKeys.lookUp(
                        request.keys, sender: envelope.sealingSender, recipients: envelope.recipients,
                        minimumRSABits: resolved.minimumRSABits, signing: signing)
                pgp = found
                return found
            }
        }
        let plan = ProtectionPlan.decide(
            requestedSign: request.sign, requestedEncrypt: request.encrypt, signLevel: resolved.signLevel,
            encryptLevel: resolved.encryptLevel, allowedFormats: resolved.allowedFormats,
            hasAllKeys: { format, signing, encrypting in
                keys(format).isComplete(signing: signing, encrypting: encrypting)
            })
        let formatKeys = plan.format.map { keys($0) }
        logger.debug(
            "postern seal: sign \(plan.sign?.rawValue ?? "no") encrypt \(plan.encrypt?.rawValue ?? "no") for \(envelope.recipients.count) recipient(s), \(envelope.bccRecipients.count) blind"
        )

        var algorithmViolations: [Report.Violation] = []
        let algorithms = SealAlgorithmChoice.choose(
            resolved, rsaOAEP: request.smimeRSAOAEP, smimeSigning: plan.sign == .smime,
            smimeEncrypting: plan.encrypt == .smime, violations: &algorithmViolations)

        var facts = Facts()
        facts.requestedSign = plan.sign
        facts.requestedEncrypt = plan.encrypt
        facts.messageSize = UInt64(inputSize)
        if plan.sign != nil { facts.signingKeyAvailable = formatKeys?.signerProblem == nil }
        let findings = plan.encrypt != nil ? (formatKeys?.findings ?? []) : []
        facts.recipientsWithoutKey = findings.filter { $0.code != SealKeyFinding.invalid }.map(\.address)
        facts.recipientsWithInvalidKey = findings.filter { $0.code == SealKeyFinding.invalid }.map(\.address)
        if plan.sign == .smime, let digest = algorithms?.digest {
            facts.smimeDigest = DigestAlgorithm(rawValue: digest.policyName)
        }
        if plan.encrypt == .smime, let cipher = algorithms?.cipher {
            facts.smimeCipher = SMIMECipher(rawValue: cipher.policyName)
        }
        var violations = SealViolations.evaluate(
            resolved, facts: facts, findings: findings, signerProblem: formatKeys?.signerProblem)
        violations += algorithmViolations
        if envelope.bccRecipients.count > 0, plan.encrypt != nil, envelope.visibleRecipients.isEmpty,
            plan.format == .openpgp, (pgp?.senderKey == nil)
        {
            violations.append(
                Report.Violation(
                    code: "recipient-key-missing", stage: "protection", rule: nil, source: nil,
                    message:
                        "every recipient is Bcc and the sender has no OpenPGP key: the main copy has no one to be encrypted to"
                ))
        }
        guard violations.isEmpty, let algorithms else {
            var outcome = denied(violations, policy: policySection, plan: plan)
            if smime?.keyStoreUnavailable == true || pgp?.keyStoreUnavailable == true {
                // The keys may well exist: the sender's key store could not be read. A mail filter must retry
                // after the administrator fixes it, not bounce (MTAFilterClassifier).
                outcome.report.failureDetail = Report.FailureDetail(code: "key-store-unavailable")
            }
            return outcome
        }

        if let streaming, let outputFile = request.outputFile {
            // Unprotected output re-serialises the message: that is the in-memory path's job.
            guard plan.format != nil else { return runInMemory() }
            return protectStreaming(
                streaming, outputFile: outputFile, plan: plan, envelope: envelope, smime: smime, pgp: pgp,
                algorithms: algorithms, resolved: resolved, policy: policySection)
        }

        let copies: ProtectedCopies
        do {
            copies = try SealProtector.protect(
                message, plan: plan, envelope: envelope, smime: smime, pgp: pgp, algorithms: algorithms)
        } catch let error as MIMEError {
            return failure(.dataErr, "malformed message: \(error)", policy: policySection)
        } catch let error as SMIMEError where error.code == .nonCanonicalContent {
            return failure(.dataErr, "malformed message: \(error)", policy: policySection)
        } catch {
            return failure(.unavailable, "protection failed: \(error)", policy: policySection)
        }

        var sizeFacts = Facts()
        sizeFacts.messageSize = UInt64(copies.main.count)
        if case .deny(let found) = resolved.evaluate(.data, facts: sizeFacts) {
            return denied(found.map(Report.Violation.init), policy: policySection, plan: plan)
        }
        return SealOutputWriter.finish(
            copies, envelope: envelope, plan: plan, algorithms: algorithms, outputFile: request.outputFile,
            policy: policySection)
    }

    private func protectStreaming(
        _ source: StreamingSource, outputFile: String, plan: ProtectionPlan, envelope: DerivedEnvelope,
        smime: SMIMESealKeys?, pgp: PGPSealKeys?, algorithms: SealAlgorithms, resolved: ResolvedPolicy,
        policy: Report.Policy
    ) -> SealOutcome {
        let protector = StreamingProtector(
            source: source, plan: plan, envelope: envelope, smime: smime, pgp: pgp, algorithms: algorithms)
        let sealed: (main: StreamingProtector.Copy, blind: [StreamingProtector.Copy?])
        do {
            sealed = try protector.protect(outputFile: outputFile)
        } catch is StreamingSource.NotStreamable {
            logger.debug("postern seal: the body needs re-encoding; sealing in memory")
            return runInMemory()
        } catch let error as MIMEError {
            return failure(.dataErr, "malformed message: \(error)", policy: policy)
        } catch let error as SMIMEError where error.code == .nonCanonicalContent {
            return failure(.dataErr, "malformed message: \(error)", policy: policy)
        } catch {
            return failure(.unavailable, "protection failed: \(error)", policy: policy)
        }
        var pairs = [(temporary: sealed.main.temporary, final: outputFile)]
        for (index, copy) in sealed.blind.enumerated() {
            if let copy { pairs.append((copy.temporary, SealOutputWriter.bccFile(for: outputFile, index: index))) }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: sealed.main.temporary)[.size] as? NSNumber)
            .flatMap { $0?.uint64Value }
        var sizeFacts = Facts()
        sizeFacts.messageSize = size
        if case .deny(let found) = resolved.evaluate(.data, facts: sizeFacts) {
            for pair in pairs { try? FileManager.default.removeItem(atPath: pair.temporary) }
            return denied(found.map(Report.Violation.init), policy: policy, plan: plan)
        }
        do {
            try AtomicFiles.commit(pairs)
        } catch {
            let report = Report(
                verb: Self.verb, exitCode: SealOutputWriter.cannotCreate, decision: .error, policy: policy,
                error: "\(error)")
            return SealOutcome(report: report, summary: "postern seal: nothing written: \(error)")
        }
        let main = SealedCopy(
            envelopeRecipients: envelope.visibleRecipients, encryptedTo: sealed.main.encryptedTo,
            content: .file(outputFile))
        let blind = envelope.bccRecipients.enumerated().map { index, address in
            let copy = index < sealed.blind.count ? sealed.blind[index] : nil
            return SealedCopy(
                envelopeRecipients: [address], encryptedTo: copy?.encryptedTo ?? [],
                content: copy == nil
                    ? .file(outputFile) : .file(SealOutputWriter.bccFile(for: outputFile, index: index)))
        }
        return SealOutputWriter.outcome(
            main: main, blind: blind, envelope: envelope, plan: plan, algorithms: algorithms, policy: policy)
    }

    private func denied(_ violations: [Report.Violation], policy: Report.Policy, plan: ProtectionPlan) -> SealOutcome {
        let report = Report(verb: Self.verb, exitCode: .noPerm, violations: violations, policy: policy)
        let count = violations.count
        let summary =
            "postern seal: denied, nothing written: \(count) violation\(count == 1 ? "" : "s") ("
            + violations.map(\.code).joined(separator: ", ") + ")."
        return SealOutcome(report: report, summary: summary)
    }

    private func failure(_ status: ExitStatus, _ message: String, policy: Report.Policy? = nil) -> SealOutcome {
        let report = Report(verb: Self.verb, exitCode: status, decision: .error, policy: policy, error: message)
        return SealOutcome(report: report, summary: "postern seal: \(message)")
    }
}
