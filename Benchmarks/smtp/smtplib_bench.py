#!/usr/bin/env python3
"""Baseline: Python smtplib over one implicit-TLS connection to the test server.

Usage: smtplib_bench.py PORTS_ENV [--count N] [--size BYTES] [--nodelay]

Opens one SMTP_SSL connection verified against the test CA (CA_FILE, host
name 127.0.0.1), logs in with AUTH PLAIN using the password read from
PASSWORD_FILE, sends N messages of about BYTES bytes each to
bench@example.test, quits, and prints messages/s. The clock covers connect,
TLS, AUTH, all transactions and QUIT (not local delivery). --nodelay sets
TCP_NODELAY on the socket, to show what Nagle costs against Postfix.
Start the server first: scripts/mailserver/start DIR.
"""
import argparse
import smtplib
import socket
import ssl
import sys
import time


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                env[key] = value
    return env


def message(index, size):
    head = (f"From: <alice@example.test>\r\nTo: <bench@example.test>\r\n"
            f"Subject: bench {index}\r\nMessage-ID: <bench-{index}-{time.time_ns()}@client.test>\r\n\r\n")
    line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n"
    body = (line * (size // len(line) + 1))[: max(0, size - len(head))]
    return (head + body).encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ports_env")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--nodelay", action="store_true")
    args = parser.parse_args()
    if args.count < 1 or args.size < 1:
        parser.error("--count and --size must be positive")

    env = read_env(args.ports_env)
    with open(env["PASSWORD_FILE"], encoding="utf-8") as handle:
        password = handle.read().strip()
    context = ssl.create_default_context(cafile=env["CA_FILE"])
    messages = [message(i, args.size) for i in range(args.count)]

    start = time.perf_counter()
    smtp = smtplib.SMTP_SSL("127.0.0.1", int(env["IMPLICIT_PORT"]), context=context, timeout=30)
    if args.nodelay:
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    smtp.ehlo("bench.test")
    smtp.login(env["USER"], password)
    for data in messages:
        refused = smtp.sendmail(env["USER"], ["bench@example.test"], data)
        if refused:
            sys.exit(f"smtplib_bench: refused: {refused}")
    smtp.quit()
    elapsed = time.perf_counter() - start

    print(f"smtplib SMTP_SSL one connection{' TCP_NODELAY' if args.nodelay else ''}: "
          f"{args.count} x {args.size} B in {elapsed:.3f} s = {args.count / elapsed:.1f} messages/s")


if __name__ == "__main__":
    main()
