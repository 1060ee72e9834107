/// The built-in RFC 8314 baseline (CONTRACT §3.5). `policies/baseline.yaml` holds the same
/// policy; a test proves they compile to the same requirements.
enum BuiltInBaseline {
    /// The file name the baseline carries in provenance.
    static let fileName = "<built-in baseline>"

    /// The baseline's YAML text.
    static let text = """
        postern-policy: 1
        name: rfc8314-baseline
        description: >-
          The built-in RFC 8314 baseline: TLS for submission (implicit TLS preferred),
          a verified certificate, no credentials over plaintext, protection optional.
        transport:
          security: [implicit-tls, starttls]
          min-tls: "1.2"
          certificate: verify
          pins: []
          starttls:
            require-pin: false
          auth:
            mechanisms: [SCRAM-SHA-256, PLAIN, LOGIN, XOAUTH2, OAUTHBEARER]
            over-plaintext: refuse
        message:
          sign: optional
          encrypt: optional
          formats: [smime, openpgp]
          smime:
            # CBC first: gpgsm 2.2 and Outlook cannot read AES-GCM AuthEnvelopedData.
            cipher: [aes-256-cbc, aes-256-gcm]
            digest: [sha256, sha384, sha512]
            min-rsa-bits: 2048

        """

    /// The parsed baseline. A failure here is a defect of this file, caught by the tests;
    /// at run time it fails closed to a document that allows no connection mode.
    static let document: PolicyDocument = {
        do {
            return try PolicyLoader.parse(Array(text.utf8), file: fileName)
        } catch {
            var requirements = PolicyRequirements()
            let here = SourceLocation(file: fileName, line: 1, column: 1)
            requirements.transport.security = Located([], at: here)
            return PolicyDocument(
                name: "broken-baseline", file: fileName, description: "\(error)", location: here,
                requirements: requirements, rules: [])
        }
    }()
}
