#!/usr/bin/env bash
# Postern batch against Python smtplib over one connection, alternated ROUNDS times on the same server, so that
# the load of a shared machine falls on both alike, each after Postfix has delivered the previous burst; prints
# every pair and the median ratio.
#
# Usage: Benchmarks/smtp/batch_bench.sh DIR [COUNT] [ROUNDS]
#   DIR     a running `scripts/mailserver/start DIR`
#   COUNT   messages per measurement (default 200), the same 2 KB shape as postern_bench.sh
#   ROUNDS  pairs of measurements (default 7)
# POSTERN_BIN=path selects the binary (default: the release build, built first); POSTERN_BIN_B=path adds a
# second binary to each round (an A/B comparison of two builds). Each clock covers the
# whole submission up to the final reply; Postern's also covers its process start (≈ 30 ms), smtplib's does not
# cover Python's.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
[[ $# -ge 1 && $# -le 3 ]] || { echo "usage: batch_bench.sh DIR [COUNT] [ROUNDS]" >&2; exit 2; }
DIR=$(cd "$1" && pwd)
count=${2:-200}
rounds=${3:-7}
[[ $count =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ ]] || { echo "batch_bench: COUNT and ROUNDS must be positive integers" >&2; exit 2; }
name=batch_bench
# shellcheck source=postern_common.sh
source "$here/postern_common.sh"
files=()
for i in $(seq 1 "$count"); do files+=("$work/m$i.eml"); done
"$POSTERN_BIN" send "${common[@]}" "$work/m1.eml" >/dev/null 2>&1 || { echo "batch_bench: a first send failed" >&2; exit 1; }

# Local delivery of the previous burst (one pipe(8) process per message) competes for the same cores: wait
# until Postfix's queue is empty before each measurement (at most 60 s), so neither client pays for the other.
settle() {
    local waited=0
    while [[ -n $(find "$DIR/queue/incoming" "$DIR/queue/active" "$DIR/queue/deferred" "$DIR/queue/maildrop" -type f -print -quit 2>/dev/null) ]]; do
        ((waited++ < 600)) || { echo "batch_bench: the queue did not drain" >&2; exit 1; }
        sleep 0.1
    done
    sleep 0.5
}

# postern BINARY SMTPLIB_RATE -> "messages/s ratio"
postern_round() {
    settle
    local start end
    start=$(date +%s%N)
    "$1" send "${common[@]}" "${files[@]}" 2>/dev/null || { echo "batch_bench: batch failed" >&2; exit 1; }
    end=$(date +%s%N)
    python3 -c 'import sys; n, ns, s = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]); r = n / (ns / 1e9); print(f"{r:.1f} {r / s:.2f}")' \
        "$count" $((end - start)) "$2"
}

ratios=()
ratios_b=()
for round in $(seq 1 "$rounds"); do
    settle
    smtplib_line=$(python3 "$here/smtplib_bench.py" "$DIR/ports.env" --count "$count" --size "$size")
    smtplib_rate=$(sed -n 's/.*= \([0-9.]*\) messages\/s.*/\1/p' <<<"$smtplib_line")
    read -r postern_rate ratio <<<"$(postern_round "$POSTERN_BIN" "$smtplib_rate")"
    ratios+=("$ratio")
    text="round $round: smtplib $smtplib_rate msg/s, postern batch $postern_rate msg/s, ratio ${ratio}x"
    if [[ -n ${POSTERN_BIN_B:-} ]]; then
        read -r rate_b ratio_b <<<"$(postern_round "$POSTERN_BIN_B" "$smtplib_rate")"
        ratios_b+=("$ratio_b")
        text+="; B $rate_b msg/s, ratio ${ratio_b}x"
    fi
    echo "$text"
done
summary() {
    python3 - "$@" <<'PY'
import statistics, sys
label, values = sys.argv[1], sorted(map(float, sys.argv[2:]))
print(f"ratio {label} / smtplib: median {statistics.median(values):.2f}x, min {values[0]:.2f}x, max {values[-1]:.2f}x over {len(values)} rounds (target >= 1.5x)")
PY
}
summary "postern batch" "${ratios[@]}"
if [[ -n ${POSTERN_BIN_B:-} ]]; then summary "B" "${ratios_b[@]}"; fi
