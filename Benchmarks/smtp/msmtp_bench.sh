#!/usr/bin/env bash
# Baseline: msmtp, one process (one connection, TLS handshake, AUTH) per message.
#
# Usage: Benchmarks/smtp/msmtp_bench.sh DIR [COUNT] [ACCOUNT]
#   DIR      a running scripts/mailserver/start DIR
#   COUNT    messages to send (default 200), about 2 KB each
#   ACCOUNT  msmtprc account: implicit (default, AUTH PLAIN) or starttls (SCRAM)
# Prints messages/s over the whole loop (submission only, not local delivery).
set -euo pipefail

[[ $# -ge 1 && $# -le 3 ]] || { echo "usage: msmtp_bench.sh DIR [COUNT] [ACCOUNT]" >&2; exit 2; }
DIR=$(cd "$1" && pwd)
count=${2:-200}
account=${3:-implicit}
[[ $count =~ ^[1-9][0-9]*$ ]] || { echo "msmtp_bench: COUNT must be a positive integer" >&2; exit 2; }
[[ -r $DIR/ports.env && -r $DIR/msmtprc ]] || { echo "msmtp_bench: no running server in $DIR" >&2; exit 1; }

msg=$(mktemp)
trap 'rm -f "$msg"' EXIT
{
    printf 'From: <alice@example.test>\nTo: <bench@example.test>\nSubject: msmtp bench\n\n'
    for _ in $(seq 1 27); do
        printf '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\n'
    done
} >"$msg"

start=$(date +%s%N)
for _ in $(seq 1 "$count"); do
    msmtp -C "$DIR/msmtprc" -a "$account" -t <"$msg"
done
end=$(date +%s%N)

python3 -c 'import sys; n, ns = int(sys.argv[1]), int(sys.argv[2]); print(f"msmtp one process per message ({sys.argv[3]}): {n} x {sys.argv[4]} B in {ns/1e9:.3f} s = {n/(ns/1e9):.1f} messages/s")' \
    "$count" "$((end - start))" "$account" "$(wc -c <"$msg")"
