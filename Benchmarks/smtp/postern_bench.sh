#!/usr/bin/env bash
# Postern against the baselines, in one run: 200 x 2 KB messages over implicit TLS + AUTH PLAIN to the loopback
# Postfix + Dovecot server of scripts/mailserver/.
#
# Usage: Benchmarks/smtp/postern_bench.sh DIR [COUNT]
#   DIR    a running `scripts/mailserver/start DIR`
#   COUNT  messages per measurement (default 200)
#
# Measures, one after the other on the same server:
#   1. msmtp, one process per message            (Benchmarks/smtp/msmtp_bench.sh)
#   2. Python smtplib, one connection            (Benchmarks/smtp/smtplib_bench.py, with and without TCP_NODELAY)
#   3. Postern, one `postern send` process per message
#   4. Postern batch: one `postern send FILE...` process, one connection, pipelined transactions
# and prints messages/s and the ratios the project targets: (3) >= 3x (1), (4) >= 1.5x (2).
# Builds postern in release mode first (POSTERN_BIN=path skips the build). Every clock covers submission up to the
# final reply, not local delivery. The password goes by file (--password-file), never argv.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: postern_bench.sh DIR [COUNT]" >&2; exit 2; }
DIR=$(cd "$1" && pwd)
count=${2:-200}
[[ $count =~ ^[1-9][0-9]*$ ]] || { echo "postern_bench: COUNT must be a positive integer" >&2; exit 2; }
name=postern_bench
# shellcheck source=postern_common.sh
source "$here/postern_common.sh"

# rate NAME NANOSECONDS -> prints and echoes messages/s
rate() {
    python3 -c 'import sys; n, ns = int(sys.argv[1]), int(sys.argv[2]); print(f"{n/(ns/1e9):.1f}")' "$count" "$2"
}

echo "== baselines"
msmtp_line=$("$here/msmtp_bench.sh" "$DIR" "$count" implicit)
echo "$msmtp_line"
smtplib_line=$(python3 "$here/smtplib_bench.py" "$DIR/ports.env" --count "$count" --size "$size")
echo "$smtplib_line"
smtplib_nodelay_line=$(python3 "$here/smtplib_bench.py" "$DIR/ports.env" --count "$count" --size "$size" --nodelay)
echo "$smtplib_nodelay_line"

echo "== postern"
# One check that everything works before timing (a failure here would make the figures meaningless); its
# summary line shows the connection (AUTH PLAIN, verified certificate).
"$POSTERN_BIN" send "${common[@]}" "$work/m1.eml" >/dev/null

start=$(date +%s%N)
for i in $(seq 1 "$count"); do
    "$POSTERN_BIN" send "${common[@]}" "$work/m$i.eml" 2>/dev/null || { echo "postern_bench: send $i failed" >&2; exit 1; }
done
end=$(date +%s%N)
one_rate=$(rate one $((end - start)))
echo "postern one process per message (implicit-tls): $count x $size B in $(((end - start) / 1000000)) ms = $one_rate messages/s"

files=()
for i in $(seq 1 "$count"); do files+=("$work/m$i.eml"); done
start=$(date +%s%N)
"$POSTERN_BIN" send "${common[@]}" "${files[@]}" 2>/dev/null || { echo "postern_bench: batch failed" >&2; exit 1; }
end=$(date +%s%N)
batch_rate=$(rate batch $((end - start)))
echo "postern batch, one process, one connection (implicit-tls): $count x $size B in $(((end - start) / 1000000)) ms = $batch_rate messages/s"

msmtp_rate=$(sed -n 's/.*= \([0-9.]*\) messages\/s.*/\1/p' <<<"$msmtp_line")
smtplib_rate=$(sed -n 's/.*= \([0-9.]*\) messages\/s.*/\1/p' <<<"$smtplib_line")
smtplib_nodelay_rate=$(sed -n 's/.*= \([0-9.]*\) messages\/s.*/\1/p' <<<"$smtplib_nodelay_line")
echo "== ratios"
python3 - "$one_rate" "$msmtp_rate" "$batch_rate" "$smtplib_rate" "$smtplib_nodelay_rate" <<'PY'
import sys
one, msmtp, batch, smtplib, nodelay = map(float, sys.argv[1:])
def verdict(value, target):
    return "meets" if value >= target else "MISSES"
r1 = one / msmtp
r2 = batch / smtplib
print(f"postern one-per-message / msmtp      = {r1:.2f}x (target >= 3x: {verdict(r1, 3)})")
print(f"postern batch / smtplib one connection = {r2:.2f}x (target >= 1.5x: {verdict(r2, 1.5)})")
print(f"postern batch / smtplib TCP_NODELAY    = {batch / nodelay:.2f}x (for reference)")
PY
