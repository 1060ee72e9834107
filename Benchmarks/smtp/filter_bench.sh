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
# messages each way. With SEAL=smime, a policy requiring S/MIME signing and
# encryption instead, with keys made here (RSA 2048, throwaway CA) for the
# signer alice@example.test and the recipient sealed@example.test.
# See BENCHMARKS.md.
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
seal=${SEAL:-}
extra=''
recipient_args=()
if [[ $seal == smime ]]; then
    keys=$FILTER_DIR/bench-keys
    rm -rf "$keys" && mkdir -p "$keys/certs"
    (
        cd "$keys"
        openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=bench CA" \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
        for who in alice sealed; do
            openssl req -new -newkey rsa:2048 -nodes -keyout "$who.key" -out "$who.csr" -subj "/CN=$who"
            printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=email:%s@example.test\n' "$who" >"$who.ext"
            openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$who.ext" -out "$who.pem"
        done
        cp sealed.pem certs/
        cat "$CA_FILE" ca.pem >cas.pem
        printf 'postern-policy: 1\nname: bench-seal\nmessage:\n  sign: required\n  encrypt: required\n  formats: [smime]\n' >policy.yaml
    ) >/dev/null 2>&1 || { echo "filter_bench: could not make the S/MIME keys" >&2; exit 1; }
    chown -R nobody:nogroup "$keys"
    extra="policies: [\"$keys/policy.yaml\"]
smime: { cert: \"$keys/alice.pem\", key: \"$keys/alice.key\", certs: \"$keys/certs\" }"
    recipient_args=(--filter-recipient sealed@example.test)
    ca_file=$keys/cas.pem
elif [[ -n $seal ]]; then
    echo "filter_bench: SEAL must be smime or empty" >&2
    exit 64
else
    ca_file=$CA_FILE
fi
cat >"$FILTER_DIR/.filter.yaml.new" <<EOF
postern-config: 1
server: "mail.test:$IMPLICIT_PORT"
connect: "127.0.0.1:$IMPLICIT_PORT"
security: implicit-tls
ca-file: "$ca_file"
timeout: 30
user: "$USER"
password: { file: "$FILTER_DIR/password" }
$extra
EOF
chown nobody:nogroup "$FILTER_DIR/.filter.yaml.new"
mv -f "$FILTER_DIR/.filter.yaml.new" "$FILTER_DIR/filter.yaml"
python3 "$here/filter_bench.py" "$DIR/ports.env" --count "$count" --size 2048 "${recipient_args[@]}"
