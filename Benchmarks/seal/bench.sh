#!/usr/bin/env bash
# Benchmarks `postern seal` against the reference tools on the same input:
#   S/MIME:  openssl cms -sign -stream | openssl cms -encrypt -stream -aes256
#   OpenPGP: gpg --sign --encrypt -z 0 --armor
# for messages of 2 KB, 1 MB and 25 MB: wall time and peak RSS (/usr/bin/time -f '%e %M'),
# best of RUNS runs, and the ratios postern / reference.
#
#   Benchmarks/seal/bench.sh            builds release postern (--scratch-path .build-release)
#   POSTERN=path/to/postern Benchmarks/seal/bench.sh
#   RUNS=5 SIZES="2K 1M 25M" Benchmarks/seal/bench.sh
#
# Keys: the demo material of keys/generate (made if missing; DEMO ONLY).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
sizes=${SIZES:-"2K 1M 25M"}

if [[ -z "${POSTERN:-}" ]]; then
    (cd "$root" && swift build -c release --product postern --scratch-path .build-release >&2)
    POSTERN="$root/.build-release/release/postern"
fi
"$root/keys/generate" >/dev/null
demo="$root/keys/demo"

work=$(mktemp -d /tmp/sealbench.XXXXXX)
gnupg="$work/g"
cp -a "$demo/gnupg" "$gnupg"   # a short private copy: the agent socket path must stay short
cleanup() { gpgconf --homedir "$gnupg" --kill all 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# A multipart message with a base64 attachment of about SIZE bytes (7-bit, 76-char lines).
make_message() {
    local size=$1 file=$2 bytes
    bytes=$(numfmt --from=iec "$size")
    {
        printf 'From: alice@example.test\r\nTo: bob@example.test\r\nSubject: bench %s\r\n' "$size"
        printf 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        printf -- '--b\r\nContent-Type: text/plain\r\n\r\nSee attachment.\r\n'
        printf -- '--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        head -c $((bytes * 3 / 4)) /dev/urandom | base64 -w 76 | sed 's/$/\r/'
        printf -- '--b--\r\n'
    } >"$file"
}

# best-of-N "wall_seconds max_rss_kb" of a shell command
measure() {
    local best_wall="" best_rss=0 line wall rss
    for _ in $(seq "$runs"); do
        /usr/bin/time -o "$work/time" -f '%e %M' bash -c "$1" >/dev/null 2>"$work/stderr" ||
            { echo "failed: $1" >&2; cat "$work/stderr" >&2; exit 1; }
        line=$(tail -1 "$work/time")
        wall=${line% *}; rss=${line#* }
        if [[ -z "$best_wall" ]] || awk "BEGIN{exit !($wall < $best_wall)}"; then best_wall=$wall; fi
        ((rss > best_rss)) && best_rss=$rss
    done
    echo "$best_wall $best_rss"
}

smime_keys="--smime-cert $demo/smime/alice.pem --smime-key $demo/smime/alice.key --smime-certs $demo/smime/certs --ca-file $demo/ca.pem"

printf '%-6s %-20s %10s %12s %12s %14s %8s %8s\n' size operation "postern s" "postern MiB" "reference s" "reference MiB" "wall x" "rss x"
for size in $sizes; do
    msg="$work/m-$size.eml"
    make_message "$size" "$msg"
    declare -A postern reference
    postern[smime-sign]="$POSTERN seal --sign smime $smime_keys --output $work/o.eml $msg"
    reference[smime-sign]="openssl cms -sign -stream -in $msg -signer $demo/smime/alice.pem -inkey $demo/smime/alice.key -out $work/r.eml"
    postern[smime-sign+encrypt]="$POSTERN seal --sign smime --encrypt smime $smime_keys --output $work/o.eml $msg"
    reference[smime-sign+encrypt]="openssl cms -sign -stream -in $msg -signer $demo/smime/alice.pem -inkey $demo/smime/alice.key | openssl cms -encrypt -stream -aes256 -out $work/r.eml $demo/smime/bob.pem $demo/smime/alice.pem"
    postern[pgp-sign+encrypt]="$POSTERN seal --sign openpgp --encrypt openpgp --gnupg-home $gnupg --output $work/o.eml $msg"
    reference[pgp-sign+encrypt]="gpg --homedir $gnupg --batch --yes -z 0 --armor --sign --encrypt -u alice@example.test -r bob@example.test -r alice@example.test -o $work/r.asc $msg"
    for op in smime-sign smime-sign+encrypt pgp-sign+encrypt; do
        read -r pw pr <<<"$(measure "${postern[$op]}")"
        read -r rw rr <<<"$(measure "${reference[$op]}")"
        # /usr/bin/time has 10 ms resolution: no wall ratio against a reference under it.
        ratio=$(awk "BEGIN{ if ($rw < 0.01) print \"n/a\"; else printf \"%.2f\", $pw/$rw }")
        printf '%-6s %-20s %10s %12.1f %12s %14.1f %8s %8.2f\n' "$size" "$op" "$pw" "$(echo "$pr/1024" | bc -l)" \
            "$rw" "$(echo "$rr/1024" | bc -l)" "$ratio" "$(echo "$pr/$rr" | bc -l)"
    done
done
echo "load average: $(cut -d" " -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
