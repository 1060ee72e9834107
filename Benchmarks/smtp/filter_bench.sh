#!/usr/bin/env bash
# Postern as the Postfix content filter vs direct submission (end to end).
#
# Usage: Benchmarks/smtp/filter_bench.sh DIR [N]   (as root)
#
# DIR is a test server started with the filter, ideally with a release build:
#   swift build -c release --product postern
#   POSTERN_FILTER_BIN=$PWD/.build/release/postern scripts/mailserver/start DIR
# Writes DIR/postern/filter.yaml (the built-in baseline policy: nothing to seal,
# so the figure is the cost of the pipeline itself: queue, one process per
# message, TLS, AUTH), then runs filter_bench.py with N (default 100) 2 KB
# messages each way. See BENCHMARKS.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: filter_bench.sh DIR [N]" >&2; exit 64; }
DIR=$(cd "$1" && pwd)
count=${2:-100}
[[ $count =~ ^[0-9]+$ && $count -gt 0 ]] || { echo "filter_bench: N must be a positive number" >&2; exit 64; }
# shellcheck disable=SC1091
source "$DIR/ports.env"
[[ -n ${FILTER_PORT:-} && -n ${FILTER_DIR:-} ]] \
    || { echo "filter_bench: $DIR has no filter; start it with POSTERN_FILTER_BIN" >&2; exit 1; }
umask 077
cat >"$FILTER_DIR/.filter.yaml.new" <<EOF
postern-config: 1
server: "mail.test:$IMPLICIT_PORT"
connect: "127.0.0.1:$IMPLICIT_PORT"
security: implicit-tls
ca-file: "$CA_FILE"
timeout: 30
user: "$USER"
password: { file: "$FILTER_DIR/password" }
EOF
chown nobody:nogroup "$FILTER_DIR/.filter.yaml.new"
mv -f "$FILTER_DIR/.filter.yaml.new" "$FILTER_DIR/filter.yaml"
python3 "$here/filter_bench.py" "$DIR/ports.env" --count "$count" --size 2048
