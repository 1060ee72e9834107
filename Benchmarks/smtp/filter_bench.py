#!/usr/bin/env python3
"""Postern as the Postfix content filter vs direct submission, end to end.

Usage: filter_bench.py PORTS_ENV [--count N] [--size BYTES] [--filter-recipient ADDR]

Needs a test server started with POSTERN_FILTER_BIN (FILTER_PORT in
ports.env) and a filter.yaml in FILTER_DIR (filter_bench.sh writes one).
Sends N messages of about BYTES bytes each:
  direct: over one verified implicit-TLS connection with AUTH (TCP_NODELAY)
          to IMPLICIT_PORT, recipient direct-RUN@example.test;
  filter: over one plain SMTP connection to FILTER_PORT, recipient
          filter-RUN@example.test (or --filter-recipient, e.g. one the
          filter holds a certificate for); Postfix queues each message and runs
          one `postern sendmail --mta-filter` per message, which submits it
          over implicit TLS with AUTH.
Each clock runs from connect until all N messages are in MAILDIR (delivered
by the capture transport), so the filter figure includes Postfix's queueing
and one Postern process per message. Prints messages/s for both and the ratio.
"""
import argparse
import os
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


def message(recipient, index, size):
    head = (f"From: <alice@example.test>\r\nTo: <{recipient}>\r\n"
            f"Subject: bench {index}\r\nMessage-ID: <fb-{index}-{time.time_ns()}@client.test>\r\n\r\n")
    line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n"
    body = (line * (size // len(line) + 1))[: max(0, size - len(head))]
    return (head + body).encode()


def delivered(maildir, recipient):
    try:
        return sum(1 for name in os.listdir(os.path.join(maildir, recipient)) if name.endswith(".eml"))
    except FileNotFoundError:
        return 0


def wait_delivered(maildir, recipient, count, limit, before):
    deadline = time.perf_counter() + limit
    while True:
        done = delivered(maildir, recipient) - before
        if done >= count:
            return
        if time.perf_counter() > deadline:
            sys.exit(f"filter_bench: only {done} of {count} delivered to {recipient} within {limit} s")
        time.sleep(0.01)


def run(label, connect, recipient, count, size, env, limit):
    messages = [message(recipient, i, size) for i in range(count)]
    before = delivered(env["MAILDIR"], recipient)
    start = time.perf_counter()
    smtp = connect()
    for data in messages:
        refused = smtp.sendmail("alice@example.test", [recipient], data)
        if refused:
            sys.exit(f"filter_bench: {label}: refused: {refused}")
    smtp.quit()
    accepted = time.perf_counter() - start
    wait_delivered(env["MAILDIR"], recipient, count, limit, before)
    elapsed = time.perf_counter() - start
    print(f"{label}: {count} x {size} B accepted in {accepted:.3f} s, all delivered after {elapsed:.3f} s "
          f"= {count / elapsed:.1f} messages/s")
    return count / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ports_env")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--filter-recipient")
    args = parser.parse_args()
    if args.count < 1 or args.size < 1:
        parser.error("--count and --size must be positive")
    env = read_env(args.ports_env)
    if "FILTER_PORT" not in env:
        sys.exit("filter_bench: no FILTER_PORT: start the server with POSTERN_FILTER_BIN=/abs/path/postern")
    with open(env["PASSWORD_FILE"], encoding="utf-8") as handle:
        password = handle.read().strip()
    context = ssl.create_default_context(cafile=env["CA_FILE"])
    run_id = f"{time.time_ns():x}"
    limit = max(60, args.count * 2)

    def direct():
        smtp = smtplib.SMTP_SSL("127.0.0.1", int(env["IMPLICIT_PORT"]), context=context, timeout=30)
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        smtp.ehlo("bench.test")
        smtp.login(env["USER"], password)
        return smtp

    def edge():
        smtp = smtplib.SMTP("127.0.0.1", int(env["FILTER_PORT"]), timeout=30)
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        smtp.ehlo("bench.test")
        return smtp

    direct_rate = run("direct (smtplib, implicit TLS + AUTH)", direct, f"direct-{run_id}@example.test",
                      args.count, args.size, env, limit)
    filter_rate = run("filter (edge port -> postern --mta-filter -> implicit TLS + AUTH)", edge,
                      args.filter_recipient or f"filter-{run_id}@example.test", args.count, args.size, env, limit)
    print(f"ratio filter/direct: {filter_rate / direct_rate:.3f}")


if __name__ == "__main__":
    main()
