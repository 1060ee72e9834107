import Logging
import PosternMIME
import PosternPolicy

/// Decides whether a message may be sent under a policy, and what protection it will get,
/// without keys and without network: the "decide" stage of the pipeline on its own.
///
/// Build it once from policy layers and evaluate many messages; it is a value, `Sendable`,
/// and evaluation is a pure function of the policy and the message.
///
/// ```swift
/// let evaluator = try PolicyEvaluator(policyFiles: ["policies/encrypt-external.yaml"])
/// let decision = await evaluator.evaluate(message: bytes, server: "smtp.example.org", logger: logger)
/// if decision.isAllowed {
///     for protection in decision.protection { print(protection) }  // will be encrypted with smime (required by …)
/// } else {
///     for violation in decision.violations { print(violation) }
/// }
/// ```
///
/// The envelope is derived as `send` derives it (see ``DerivedEnvelope``); the layers combine
/// tighten-only (see <doc:PolicyModel>).
public struct PolicyEvaluator: Sendable {
    /// The compiled layers.
    public let policy: CompiledPolicy

    /// Compiles policy documents into an evaluator. No layers means the built-in RFC 8314
    /// baseline, never an allow-everything policy.
    public init(layers: [PolicyDocument]) {
        policy = CompiledPolicy(layers: layers)
    }

    /// Wraps an already compiled policy.
    public init(policy: CompiledPolicy) {
        self.policy = policy
    }

    /// Loads and compiles policy files, in the order given (the order does not change the
    /// result, only the preference order of lists). No files means the built-in baseline.
    ///
    /// - Throws: `PolicyLoadError` with the diagnostics of every file that
    ///   is missing or invalid (`FILE:LINE:COL: error: …`), not just the first.
    public init(policyFiles: [String]) throws(PolicyLoadError) {
        var documents: [PolicyDocument] = []
        var diagnostics: [PolicyDiagnostic] = []
        for file in policyFiles {
            do {
                documents.append(try PolicyLoader.load(contentsOf: file))
            } catch {
                diagnostics += error.diagnostics
            }
        }
        guard diagnostics.isEmpty else { throw PolicyLoadError(diagnostics: diagnostics) }
        self.init(layers: documents)
    }

    /// The layer files, in the order given.
    public var layerFiles: [String] { policy.layerFiles }

    /// Evaluates one message: parses it, derives the envelope, resolves the policy for that
    /// envelope and server, and returns the decision with every static violation and the
    /// protection that will be applied.
    ///
    /// - Parameters:
    ///   - message: the RFC 5322 message, any line endings.
    ///   - envelopeSender: the envelope sender (`--from`); `nil` takes it from `From:`.
    ///   - recipients: the envelope recipients (`--to`); `nil` takes To, Cc and Bcc.
    ///   - server: `HOST[:PORT]` of the submission server, for rules matching on `server`
    ///     and the checks known before connecting; `nil` leaves server rules unmatched.
    ///   - requestedSign: signing the caller asks for (`--sign`), or `nil`.
    ///   - requestedEncrypt: encryption the caller asks for (`--encrypt`), or `nil`.
    ///   - logger: where to log the steps, at debug level; never the message content.
    /// - Returns: the decision; never throws for a policy outcome or malformed input (that is
    ///   ``ComplianceDecision/inputError`` with decision `error`).
    public func evaluate(
        message: [UInt8], envelopeSender: String? = nil, recipients: [String]? = nil, server: String? = nil,
        requestedSign: ProtectionFormat? = nil, requestedEncrypt: ProtectionFormat? = nil,
        logger: Logger = PolicyEvaluator.silentLogger
    ) async -> ComplianceDecision {
        let request = EvaluationRequest(
            sender: envelopeSender, recipients: recipients, server: server, requestedSign: requestedSign,
            requestedEncrypt: requestedEncrypt)
        let decision = decide(message, request)
        logger.debug(
            "postern evaluate: \(decision.decision)",
            metadata: [
                "postern.layers": .string(layerFiles.joined(separator: ",")),
                "postern.recipients": .stringConvertible(decision.envelope?.recipients.count ?? 0),
                "postern.violations": .string(decision.violations.map(\.code.rawValue).joined(separator: ",")),
                "postern.protection": .string(decision.protection.map(\.operation.rawValue).joined(separator: ",")),
                "postern.size": .stringConvertible(decision.messageSize),
            ])
        return decision
    }

    /// A logger that discards everything, the default when the caller passes none.
    public static let silentLogger = Logger(label: "postern.evaluate") { _ in SwiftLogNoOpLogHandler() }

    /// The caller's side of an evaluation, bundled so the pure core takes one value.
    struct EvaluationRequest: Sendable {
        var sender: String?
        var recipients: [String]?
        var server: String?
        var requestedSign: ProtectionFormat?
        var requestedEncrypt: ProtectionFormat?
    }

    /// The pure core of ``evaluate(message:envelopeSender:recipients:server:requestedSign:requestedEncrypt:logger:)``.
    func decide(_ bytes: [UInt8], _ request: EvaluationRequest) -> ComplianceDecision {
        func failure(_ error: ComplianceInputError, envelope: DerivedEnvelope? = nil) -> ComplianceDecision {
            ComplianceDecision(
                envelope: envelope, server: request.server, messageSize: bytes.count, violations: [], protection: [],
                inputError: error, layers: layerFiles, effective: nil)
        }
        if let server = request.server {
            do {
                _ = try ServerEndpoint(parsing: server)
            } catch {
                return failure(ComplianceInputError(.invalidServer, "server: \(error.message)"))
            }
        }
        let message: Message
        do {
            message = try Message(parsing: bytes)
        } catch let error as MIMEError {
            return failure(ComplianceInputError(parsing: error))
        } catch {
            return failure(ComplianceInputError(.malformedMessage, "the message does not parse"))
        }
        let envelope: DerivedEnvelope
        do {
            envelope = try DerivedEnvelope.derive(from: message, sender: request.sender, recipients: request.recipients)
        } catch {
            return failure(error)
        }

        let context = SendContext(sender: envelope.sender, recipients: envelope.recipients, server: request.server)
        let resolved = policy.resolve(context)
        let explanation = policy.explain(for: context)
        var facts = Facts()
        facts.messageSize = UInt64(bytes.count)
        facts.requestedSign = request.requestedSign
        facts.requestedEncrypt = request.requestedEncrypt

        var violations: [Violation] = []
        var seen: Set<Violation> = []
        func add(_ found: [Violation]) {
            for violation in found where seen.insert(violation).inserted { violations.append(violation) }
        }
        // `.policy` repeats the envelope checks without the sender demand; keep only its conflicts.
        add(resolved.evaluate(.policy, facts: facts).violations.filter { $0.code == .policyConflict })
        if request.server != nil {
            add(resolved.evaluate(.connect, facts: facts).violations)
        }
        add(resolved.evaluate(.envelope, facts: facts).violations)
        // A required protection that was not requested is not a refusal: seal and send apply it.
        // The protection stage repeats the policy stage's conflicts, which are already in.
        let restated: Set<ViolationCode> = [.signingRequired, .encryptionRequired, .policyConflict]
        add(resolved.evaluate(.protection, facts: facts).violations.filter { !restated.contains($0.code) })

        let protection = ProtectionPlanner(resolved: resolved, explanation: explanation, request: request).plan()
        return ComplianceDecision(
            envelope: envelope, server: request.server, messageSize: bytes.count, violations: violations,
            protection: protection, inputError: nil, layers: layerFiles, effective: explanation.effective)
    }
}
