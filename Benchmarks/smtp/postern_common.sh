# Sourced by postern_bench.sh and batch_bench.sh: the set-up both share. Expects `name` (for messages),
# `root` (the repository), DIR (a running `scripts/mailserver/start DIR`) and `count`; sets IMPLICIT_PORT, CA_FILE,
# PASSWORD_FILE, TEST_USER, POSTERN_BIN, `work` (removed on exit), `size`, and `common` (the send options).

[[ -r $DIR/ports.env ]] || { echo "$name: no running server in $DIR (scripts/mailserver/start DIR)" >&2; exit 1; }
IMPLICIT_PORT=$(sed -n 's/^IMPLICIT_PORT=//p' "$DIR/ports.env")
CA_FILE=$(sed -n 's/^CA_FILE=//p' "$DIR/ports.env")
PASSWORD_FILE=$(sed -n 's/^PASSWORD_FILE=//p' "$DIR/ports.env")
TEST_USER=$(sed -n 's/^USER=//p' "$DIR/ports.env")

# POSTERN_BIN=path skips the build.
if [[ -z ${POSTERN_BIN:-} ]]; then
    echo "$name: swift build -c release --product postern" >&2
    (cd "$root" && swift build -c release --product postern >&2)
    POSTERN_BIN=$(cd "$root" && swift build -c release --show-bin-path)/postern
fi
[[ -x $POSTERN_BIN ]] || { echo "$name: $POSTERN_BIN is not executable" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The same 2 KB shape as msmtp_bench.sh / smtplib_bench.py: headers plus 27 lines of 74 characters.
for i in $(seq 1 "$count"); do
    {
        printf 'From: <alice@example.test>\nTo: <bench@example.test>\nSubject: postern bench %d\n' "$i"
        printf 'Message-ID: <postern-bench-%d-%s@client.test>\n\n' "$i" "$(date +%s%N)"
        for _ in $(seq 1 27); do
            printf '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\n'
        done
    } >"$work/m$i.eml"
done
size=$(wc -c <"$work/m1.eml")

# AUTH PLAIN like the baselines (the built-in baseline policy would prefer SCRAM-SHA-256).
cat >"$work/plain-only.yaml" <<'YAML'
postern-policy: 1
name: bench-plain
transport:
  security: [implicit-tls]
  auth:
    mechanisms: [PLAIN]
YAML
common=(--server mail.test --connect "127.0.0.1:$IMPLICIT_PORT" --security implicit-tls --ca-file "$CA_FILE"
    --user "$TEST_USER" --password-file "$PASSWORD_FILE" --policy "$work/plain-only.yaml")
