#!/usr/bin/env python3
"""Checks for the loopback test server, used by scripts/mailserver/smoke.

  smtp_probe.py delivered MAILDIR RECIPIENT MARKER ORIGINAL [TIMEOUT]
      Wait for a message containing MARKER under MAILDIR/RECIPIENT/*.eml and
      check that it equals ORIGINAL (LF line endings) once the one Received:
      header Postfix prepends is removed.

  smtp_probe.py policy PORTS_ENV
      Check what the ports enforce, without ever sending the real password:
      implicit TLS verifies with the test CA for localhost, mail.test and
      127.0.0.1; the STARTTLS port offers no AUTH and refuses MAIL before TLS;
      relaying without AUTH is refused; a wrong password is refused; the
      plaintext port offers AUTH and no STARTTLS (on purpose, see README).

Exits 1 with a message on the first failed check.
"""
import glob
import os
import smtplib
import socket
import ssl
import sys
import time


def fail(message):
    print(f"smtp_probe: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                env[key] = value
    return env


def strip_received(data):
    """Remove the first header if it is Received: (with continuation lines)."""
    lines = data.split(b"\n")
    if not lines or not lines[0].lower().startswith(b"received:"):
        return None
    index = 1
    while index < len(lines) and lines[index][:1] in (b" ", b"\t"):
        index += 1
    return b"\n".join(lines[index:])


def delivered(maildir, recipient, marker, original, timeout="10"):
    deadline = time.monotonic() + float(timeout)
    with open(original, "rb") as handle:
        expected = handle.read().replace(b"\r\n", b"\n")
    pattern = os.path.join(maildir, recipient, "*.eml")
    while True:
        for path in glob.glob(pattern):
            with open(path, "rb") as handle:
                data = handle.read()
            if marker.encode() not in data:
                continue
            body = strip_received(data)
            if body is None:
                fail(f"{path}: does not start with one Received: header")
            if body != expected:
                fail(f"{path}: differs from {original} after the Received: header")
            print(f"smtp_probe: ok: delivered intact to {path}")
            return
        if time.monotonic() > deadline:
            fail(f"no message with marker {marker} under {os.path.dirname(pattern)} within {timeout}s")
        time.sleep(0.02)


def expect(condition, message):
    if not condition:
        fail(message)
    print(f"smtp_probe: ok: {message}")


def policy(ports_env):
    env = read_env(ports_env)
    context = ssl.create_default_context(cafile=env["CA_FILE"])
    implicit = int(env["IMPLICIT_PORT"])
    starttls = int(env["STARTTLS_PORT"])
    plain = int(env["PLAIN_PORT"])

    # Implicit TLS: the certificate verifies for each name it should carry,
    # and not for one it does not.
    for name in ("localhost", "mail.test", "127.0.0.1"):
        with socket.create_connection(("127.0.0.1", implicit), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=name) as tls:
                expect(tls.version() in ("TLSv1.2", "TLSv1.3"),
                       f"implicit TLS verifies as {name} ({tls.version()})")
    try:
        with socket.create_connection(("127.0.0.1", implicit), timeout=10) as raw:
            context.wrap_socket(raw, server_hostname="other.test").close()
        fail("certificate verified for other.test")
    except ssl.SSLCertVerificationError:
        print("smtp_probe: ok: certificate does not verify for other.test")

    # Implicit TLS: no relaying without AUTH; a wrong password is refused.
    with smtplib.SMTP_SSL("127.0.0.1", implicit, context=context, timeout=10) as smtp:
        smtp.ehlo("probe.test")
        expect(smtp.has_extn("auth"), "implicit TLS port offers AUTH")
        code, _ = smtp.mail("alice@example.test")
        expect(code == 250, "MAIL accepted before AUTH")
        code, _ = smtp.rcpt("bob@example.test")
        expect(code >= 500, f"RCPT without AUTH refused ({code})")
        smtp.rset()
        try:
            smtp.login(env["USER"], "wrong-password")
            fail("a wrong password was accepted")
        except smtplib.SMTPAuthenticationError as error:
            expect(error.smtp_code == 535, f"wrong password refused ({error.smtp_code})")

    # STARTTLS port: nothing useful before TLS, AUTH after it.
    with smtplib.SMTP("127.0.0.1", starttls, timeout=10) as smtp:
        smtp.ehlo("probe.test")
        expect(smtp.has_extn("starttls"), "STARTTLS port offers STARTTLS")
        expect(not smtp.has_extn("auth"), "STARTTLS port offers no AUTH before TLS")
        code, _ = smtp.docmd("AUTH", "PLAIN AGZha2UAZmFrZQ==")
        expect(code >= 500, f"AUTH before TLS refused ({code})")
        code, _ = smtp.mail("alice@example.test")
        expect(code >= 500, f"MAIL before TLS refused ({code})")
        smtp.rset()
        smtp.starttls(context=context)
        smtp.ehlo("probe.test")
        expect(smtp.has_extn("auth"), "STARTTLS port offers AUTH after TLS")
        mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
        for mechanism in ("PLAIN", "LOGIN", "SCRAM-SHA-256"):
            expect(mechanism in mechanisms, f"AUTH {mechanism} offered")

    # Plaintext negative-test port: offers AUTH in the clear and no STARTTLS,
    # so a client's refusal to send a password here can be tested.
    with smtplib.SMTP("127.0.0.1", plain, timeout=10) as smtp:
        smtp.ehlo("probe.test")
        expect(not smtp.has_extn("starttls"), "plaintext port offers no STARTTLS")
        expect(smtp.has_extn("auth"), "plaintext port offers AUTH (for client-refusal tests)")


def main(argv):
    if len(argv) >= 5 and argv[0] == "delivered":
        delivered(*argv[1:])
    elif len(argv) == 2 and argv[0] == "policy":
        policy(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
