import Foundation
import Testing

/// Postern against the real Postfix + Dovecot server (`scripts/mailserver/`). Every interop test is in this one
/// suite (across files, as extensions), so the server starts once per run and is stopped at the end.
@Suite(
    "Interop with Postfix + Dovecot",
    .enabled(if: MailServer.postfixInstalled, "postfix is not installed: the interop suite needs a real Postfix"),
    .mailServer
)
struct InteropSuite {}
