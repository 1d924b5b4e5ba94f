#!/usr/bin/env bash
# Secrets never leak (issue 16). Plants unique random secrets, each given to
# the programs the way a deployment gives them (an environment variable
# through a "${ENV}" reference or $SCOUT_TOKEN, a file through "@file:" or
# token_file):
#   - collector bearer tokens (agent: token_file and $SCOUT_TOKEN; sctl:
#     --token-file, $SCOUT_TOKEN_FILE, $SCOUT_TOKEN) and their SHA-256 hashes;
#   - the password of a password-authenticated (scram-sha-256) role on a real
#     throw-away PostgreSQL cluster, in key=value and URI DSNs, plus a wrong
#     password;
#   - a secret HTTP probe header, sent to a server that redirects (302) to
#     another port;
#   - the collector's webhook token (in the URL) and Authorization header,
#     for receivers that refuse connections or redirect;
# then drives every error path it can reach: config errors with the secret
# in a key of the wrong type, --help, --check-config, --test, debug logging
# in normal operation, database down, wrong password, unreachable host,
# probe redirects, sctl with a wrong token and a wrong server, a collector
# refusing a tokens file with a pasted token, and crashes (SIGSEGV and
# SIGABRT to the agent and the collector).
# Then it searches for every secret (the password also URL-encoded, every
# secret also by its random core alone, so a partly masked value is still
# found) in: stdout and stderr of every process, every log file (the
# programs' and PostgreSQL's, which logs every statement the agent sends),
# the reports, the SQLite database with its WAL, the agents' spools, and the
# command line (/proc/PID/cmdline) of every process on the machine while
# the programs run (nothing they spawn may carry a secret either).
# /proc/PID/environ is not checked: env-delivered secrets are legitimately there.
# The test fails naming the secret and the place. The script never passes a
# secret on a command line itself: searches use `grep -f NEEDLE_FILE` and
# variables are given as `VAR=value cmd` (no `env` process).
#
#   secrets_test.sh COLLECTOR AGENT SCTL
COLLECTOR=$1 AGENT=$2 SCTL=$3
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/common/security.sh"
source "$ROOT/tests/postgres/pg_cluster.sh"
trap 'pg_stop; cleanup' EXIT
ulimit -c 0  # crashes below are on purpose: no core files

OUT=$WORK/out          # stdout and stderr of every process: searched
SECRETS=$WORK/secrets  # secret files given to the programs: not searched
NEEDLES=$WORK/needles  # one file of search patterns per secret: not searched
REPORTS=$WORK/reports  # the collector's reports directory: searched
SCTL_REPORTS=$WORK/sctl-reports
DBDIR=$WORK/db         # scout.db, scout.db-wal, scout.db-shm: searched
mkdir -p "$OUT" "$SECRETS" "$NEEDLES" "$REPORTS" "$SCTL_REPORTS" "$DBDIR"
chmod 700 "$SECRETS"
DB=$DBDIR/scout.db

# ---------------------------------------------------------------- secrets --
# plant NAME FORM...: the secret NAME is searched for in each FORM.
plant() {
  local name=$1
  shift
  printf '%s\n' "$@" >"$NEEDLES/$name"
}
hex() { openssl rand -hex "$1"; }
urlencode() {  # RFC 3986 unreserved characters stay, everything else %XX
  local s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf %s "$out"
}

security_init  # test CA, server and client certificates, tokens in $SEC
# A token for the agent that reads it from $SCOUT_TOKEN, and one for sctl's
# $SCOUT_TOKEN; the test's other tokens come from files.
TOKEN_AGENT_ENV=$(new_token agent-env)
TOKEN_READER_ENV=$(new_token reader-env)
cat >>"$SEC/tokens.yaml" <<YAML
  - {principal: env-agents, role: agent, sha256: $(sha256_hex "$TOKEN_AGENT_ENV"), agent_ids: ["*"]}
  - {principal: env-reader, role: reader, sha256: $(sha256_hex "$TOKEN_READER_ENV")}
YAML
TOKEN_WRONG="scout_$(hex 24)"  # in no tokens file
for t in AGENT AGENT_ENV READER READER_ENV OPERATOR ADMIN WRONG; do
  var=TOKEN_$t
  value=${!var}
  plant "token_${t,,}" "$value" "${value#scout_}"
  # The collector never logs tokens, nor their hashes.
  plant "token_${t,,}_sha256" "$(sha256_hex "$value")"
done
printf '%s\n' "$TOKEN_WRONG" >"$SEC/wrong.token"

# Passwords with characters a URI must encode, so that the encoded form is
# different and searched for too.
PG_CORE=$(hex 16)
PG_PASSWORD="Pw:${PG_CORE}@/+!"
PG_WRONG_CORE=$(hex 16)
PG_WRONG_PASSWORD="Wr:${PG_WRONG_CORE}@/+!"
plant pg_password "$PG_PASSWORD" "$(urlencode "$PG_PASSWORD")" \
  "$(urlencode "$PG_PASSWORD" | tr 'A-F' 'a-f')" "$PG_CORE"
plant pg_wrong_password "$PG_WRONG_PASSWORD" "$(urlencode "$PG_WRONG_PASSWORD")" "$PG_WRONG_CORE"
PROBE_KEY="pk_$(hex 16)"
PROBE_KEY_FILE_VALUE="pkf_$(hex 16)"
plant probe_key "$PROBE_KEY" "${PROBE_KEY#pk_}"
plant probe_key_file "$PROBE_KEY_FILE_VALUE" "${PROBE_KEY_FILE_VALUE#pkf_}"
printf '%s\n' "$PROBE_KEY_FILE_VALUE" >"$SECRETS/probe.key"
WEBHOOK_TOKEN="wh_$(hex 16)"
WEBHOOK_AUTH="wa_$(hex 16)"
plant webhook_token "$WEBHOOK_TOKEN" "${WEBHOOK_TOKEN#wh_}"
plant webhook_auth "$WEBHOOK_AUTH" "${WEBHOOK_AUTH#wa_}"
printf 'Bearer %s\n' "$WEBHOOK_AUTH" >"$SECRETS/webhook.auth"
ALL_NEEDLES=$WORK/all-needles
cat "$NEEDLES"/* >"$ALL_NEEDLES"
# Environment-delivered secrets, for every program the test starts.
export SCOUT_TEST_PG_PASSWORD=$PG_PASSWORD SCOUT_TEST_PROBE_KEY=$PROBE_KEY \
  SCOUT_TEST_WEBHOOK_TOKEN=$WEBHOOK_TOKEN

# ------------------------------------------------------------- searching --
# find_secrets PLACE FILE...: fails naming PLACE and the secret when any
# secret is in one of the files (binary files included: grep -a). One grep
# over everything; the secret is named only when something was found.
find_secrets() {
  local place=$1 needle hits
  shift
  [ "$#" -gt 0 ] || return 0
  hits=$(grep -lsaF -f "$ALL_NEEDLES" -- "$@" || true)
  [ -z "$hits" ] && return 0
  for needle in "$NEEDLES"/*; do
    if grep -qsaF -f "$needle" -- $hits; then
      fail "secret '$(basename "$needle")' found in $place: $(echo "$hits" | tr '\n' ' ')"
    fi
  done
  fail "a secret found in $place: $hits"
}

# files_under DIR...: every regular file below the directories.
files_under() { find "$@" -type f 2>/dev/null; }

# check_cmdlines WHEN: no process on the machine has a secret on its command
# line (the programs, everything they spawn, PostgreSQL's backends, and this
# script's own tools).
check_cmdlines() {
  local when=$1 hits f
  hits=$(grep -lsaF -f "$ALL_NEEDLES" /proc/[0-9]*/cmdline || true)
  for f in $hits; do
    local pid=${f#/proc/}
    pid=${pid%/cmdline}
    fail "a secret ($(for n in "$NEEDLES"/*; do grep -qsaF -f "$n" "$f" && basename "$n"; done | tr '\n' ' '))" \
      "found in /proc/$pid/cmdline ($when: $(tr '\0' ' ' <"$f" | cut -c1-160))"
  done
  CMDLINE_CHECKS=$((${CMDLINE_CHECKS:-0} + 1))
}

# The search must be able to fail: a file holding only the URL-encoded
# password, and one holding a token's hash, are found.
printf 'x%sx\n' "$(urlencode "$PG_PASSWORD" | tr 'A-F' 'a-f')" >"$WORK/canary"
if (find_secrets canary "$WORK/canary") >/dev/null 2>&1; then fail "the search misses a planted secret"; fi
sha256_hex "$TOKEN_AGENT" >"$WORK/canary"
if (find_secrets canary "$WORK/canary") >/dev/null 2>&1; then fail "the search misses a token hash"; fi
rm -f "$WORK/canary"
pass "the search finds planted secrets (self-check)"

# ------------------------------------------------------------- PostgreSQL --
pg_start
PG_ADMIN=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U scout -d postgres)
# The password goes in through a file, before statement logging is on.
printf "CREATE ROLE scout_mon LOGIN PASSWORD '%s';\nGRANT pg_monitor TO scout_mon;\n" \
  "$PG_PASSWORD" >"$SECRETS/role.sql"
"${PG_ADMIN[@]}" -f "$SECRETS/role.sql"
# scout_mon must authenticate with its password over TCP (the cluster trusts
# everyone else); every statement and connection is logged from now on.
{ echo "host all scout_mon 127.0.0.1/32 scram-sha-256"; cat "$PG_DIR/data/pg_hba.conf"; } \
  >"$PG_DIR/hba.new" && cat "$PG_DIR/hba.new" >"$PG_DIR/data/pg_hba.conf"
"${PG_ADMIN[@]}" -c "ALTER SYSTEM SET log_statement = 'all'" \
  -c "ALTER SYSTEM SET log_connections = on" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
if psql -X -w -h 127.0.0.1 -p "$PGPORT" -U scout_mon -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
  fail "scout_mon logs in without a password: the test would prove nothing"
fi
pass "PostgreSQL $PGPORT: role scout_mon needs its password (scram-sha-256)"

printf 'host=127.0.0.1 port=%s user=scout_mon dbname=postgres password=%s\n' \
  "$PGPORT" "$PG_PASSWORD" >"$SECRETS/dsn-kv"
printf 'postgresql://scout_mon:%s@127.0.0.1:%s/postgres\n' \
  "$(urlencode "$PG_PASSWORD")" "$PGPORT" >"$SECRETS/dsn-uri"
printf 'postgresql://scout_mon:%s@127.0.0.1:%s/postgres\n' \
  "$(urlencode "$PG_WRONG_PASSWORD")" "$PGPORT" >"$SECRETS/dsn-wrong"
CLOSED_PORT=$(free_port)

# ------------------------------------------------- redirecting HTTP servers --
# "start" answers 302 to "landing" on another port; neither logs headers.
cat >"$WORK/redirect.js" <<'JS'
const http = require('http');
const fs = require('fs');
const landing = http.createServer((req, res) => { res.writeHead(200); res.end('landed\n'); });
landing.listen(0, '127.0.0.1', () => {
  const to = landing.address().port;
  const start = http.createServer((req, res) => {
    res.writeHead(302, {Location: `http://127.0.0.1:${to}/landing`}); res.end();
  });
  start.listen(0, '127.0.0.1', () => {
    fs.writeFileSync(process.argv[2] + '.tmp', `${start.address().port}\n`);
    fs.renameSync(process.argv[2] + '.tmp', process.argv[2]);
  });
});
JS
node "$WORK/redirect.js" "$WORK/redirect.ready" >"$OUT/redirect-server.stdout" 2>"$OUT/redirect-server.stderr" &
PIDS+=($!)
wait_for 10 "redirect server" test -s "$WORK/redirect.ready"
REDIRECT_URL="http://127.0.0.1:$(cat "$WORK/redirect.ready")/start"

# ------------------------------------------------------------------ configs --
# run NAME PROGRAM ARGS...: stdout and stderr into $OUT/NAME.*; prints the
# exit code (never fails by itself).
run() {
  local name=$1
  shift
  local code=0
  "$@" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr" || code=$?
  echo "$code"
}

# Agent A: secrets from files (token_file, @file: DSNs, @file: header).
agent_a_yaml() {  # agent_a_yaml COLLECTOR_ADDR
  cat <<YAML
collector: $1
id: secrets-a
interval: 1s
log_level: debug
collectors: [postgres, probes, synthetic]
synthetic: {series: 2, samples: 0}
spool: {dir: $WORK/spool-a, fsync: false}
$(agent_tls_yaml "$SEC/agent.token")
postgres:
  targets:
    - {name: pg-file-kv, dsn: "@file:$SECRETS/dsn-kv", interval: 1s}
    - {name: pg-file-uri, dsn: "@file:$SECRETS/dsn-uri", interval: 1s}
    - {name: pg-wrong-password, dsn: "@file:$SECRETS/dsn-wrong", interval: 1s}
    - name: pg-unreachable
      dsn: "host=192.0.2.1 port=5432 user=scout_mon dbname=postgres password=\${SCOUT_TEST_PG_PASSWORD} connect_timeout=1"
      interval: 1s
    - name: pg-closed-port
      dsn: "host=127.0.0.1 port=$CLOSED_PORT user=scout_mon dbname=postgres password=\${SCOUT_TEST_PG_PASSWORD}"
      interval: 1s
    - name: pg-unencoded-uri  # the password not URL-encoded in a URI, as people do
      dsn: "postgresql://scout_mon:\${SCOUT_TEST_PG_PASSWORD}@127.0.0.1:$CLOSED_PORT/postgres"
      interval: 1s
probes:
  http:
    - {name: redirect-file, url: "$REDIRECT_URL", interval: 1s, headers: {X-Api-Key: "@file:$SECRETS/probe.key"}}
YAML
}

# Agent B: secrets from the environment ($SCOUT_TOKEN, ${ENV} references).
agent_b_yaml() {
  cat <<YAML
collector: $1
id: secrets-b
interval: 1s
log_level: debug
collectors: [postgres, probes, synthetic]
synthetic: {series: 2, samples: 0}
spool: {dir: $WORK/spool-b, fsync: false}
tls:
  ca_file: $SEC/ca.crt
  cert_file: $SEC/client-node-2.crt
  key_file: $SEC/client-node-2.key
  server_name: localhost
postgres:
  targets:
    - name: pg-env
      dsn: "host=127.0.0.1 port=$PGPORT user=scout_mon dbname=postgres password=\${SCOUT_TEST_PG_PASSWORD}"
      interval: 1s
probes:
  http:
    - {name: redirect-env, url: "$REDIRECT_URL", interval: 1s, headers: {X-Api-Key: "\${SCOUT_TEST_PROBE_KEY}"}}
YAML
}

# The collector's own secrets: webhook receivers with a token in the URL
# (from ${ENV}) and an Authorization header (from @file:), one that refuses
# connections and one that redirects; an alert fires at once so both fail
# and are retried (and logged) while the test runs.
cat >"$WORK/rules.yaml" <<'YAML'
rules:
  - name: WrongPassword
    expr: scout_postgres_up{target="pg-wrong-password"} == 0
    for: 0s
    labels: {severity: warning}
    annotations: {summary: "target {{ $labels.target }} is down"}
YAML
collector_yaml() {
  cat <<YAML
log_level: debug
self_metrics_interval: 1s
storage: {path: $DB, synchronous: normal}
reports: {dir: $REPORTS}
alerting:
  rules_file: $WORK/rules.yaml
  evaluation_interval: 1s
  resend_interval: 2s
  startup_grace: 0s
  webhooks:
    - name: closed
      url: "http://127.0.0.1:$CLOSED_PORT/hook?token=\${SCOUT_TEST_WEBHOOK_TOKEN}"
      headers: {Authorization: "@file:$SECRETS/webhook.auth"}
      timeout: 1s
    - name: redirected
      url: "$REDIRECT_URL?token=\${SCOUT_TEST_WEBHOOK_TOKEN}"
      headers: {Authorization: "@file:$SECRETS/webhook.auth"}
      timeout: 1s
YAML
}
collector_yaml >"$WORK/collector.yaml"

# ------------------------------------------------------- --help and friends --
echo "== --help, --version"
for p in agent:"$AGENT" collector:"$COLLECTOR" sctl:"$SCTL"; do
  name=${p%%:*} bin=${p#*:}
  code=$(SCOUT_TOKEN=$TOKEN_READER_ENV run "$name-help" "$bin" --help)
  [ "$code" -eq 0 ] || fail "$name --help exited $code"
  grep -q -- "--" "$OUT/$name-help.stdout" || fail "$name --help printed no options"
  run "$name-version" "$bin" --version >/dev/null
done
for sub in "probe --help" "db --help" "report daily --help" "latest --help"; do
  read -ra words <<<"$sub"
  SCOUT_TOKEN=$TOKEN_READER_ENV run "sctl-help-${words[0]}" "$SCTL" "${words[@]}" >/dev/null
done
pass "--help of the three programs"

# ----------------------------------------------------------- config errors --
echo "== config errors with a secret in a key of the wrong type"
# Each bad config holds a literal secret where it does not belong; the
# error must name the key and not print the value. Expected key in $2.
bad_agent_config() {  # bad_agent_config NAME KEY_IN_ERROR YAML
  local name=$1 key=$2
  printf 'collector: 127.0.0.1:1\nid: bad\ncollectors: [postgres, probes]\n%s\n' "$3" \
    >"$SECRETS/$name.yaml"
  local code
  code=$(run "agent-config-$name" "$AGENT" --config "$SECRETS/$name.yaml" --check-config)
  [ "$code" -eq 2 ] || fail "agent --check-config of $name exited $code, want 2 (config error)"
  grep -qF "$key" "$OUT/agent-config-$name.stderr" ||
    fail "agent config error for $name does not name $key: $(cat "$OUT/agent-config-$name.stderr")"
  # The same config when really starting.
  code=$(run "agent-start-$name" "$AGENT" --config "$SECRETS/$name.yaml" --spool-dir "$WORK/spool-bad")
  [ "$code" -eq 2 ] || fail "agent start with $name exited $code, want 2"
}
URI_DSN=$(cat "$SECRETS/dsn-uri")
bad_agent_config dsn-list "dsn" "postgres: {targets: [{name: t, dsn: [\"$URI_DSN\"]}]}"
bad_agent_config dsn-map "dsn" "postgres: {targets: [{name: t, dsn: {password: \"$PG_PASSWORD\"}}]}"
bad_agent_config dsn-nested "dsn" "postgres: {targets: [{name: t, dsn: [[\"$PG_PASSWORD\"]]}]}"
bad_agent_config dsn-unterminated "dsn" \
  "postgres: {targets: [{name: t, dsn: \"password=$PG_PASSWORD \${SCOUT_TEST\", interval: 0s}]}"
bad_agent_config headers-scalar "headers" \
  "probes: {http: [{name: p, url: \"http://127.0.0.1:1/\", headers: \"X-Api-Key: $PROBE_KEY\"}]}"
bad_agent_config headers-list "headers" \
  "probes: {http: [{name: p, url: \"http://127.0.0.1:1/\", headers: [\"X-Api-Key: $PROBE_KEY\"]}]}"
bad_agent_config header-value-list "headers" \
  "probes: {http: [{name: p, url: \"http://127.0.0.1:1/\", headers: {X-Api-Key: [\"$PROBE_KEY\"]}}]}"
bad_agent_config token-as-key "token" "token: $TOKEN_AGENT"
bad_agent_config token-file-map "token_file" "token_file: {token: $TOKEN_AGENT}"
pass "agent config errors name the key, not the value"

echo "== --check-config of good configs"
agent_a_yaml 127.0.0.1:1 >"$WORK/agent-a.yaml"
agent_b_yaml 127.0.0.1:1 >"$WORK/agent-b.yaml"
[ "$(run agent-a-check "$AGENT" --config "$WORK/agent-a.yaml" --check-config)" -eq 0 ] ||
  fail "agent A --check-config: $(cat "$OUT/agent-a-check.stderr")"
[ "$(SCOUT_TOKEN=$TOKEN_AGENT_ENV run agent-b-check "$AGENT" --config "$WORK/agent-b.yaml" --check-config)" -eq 0 ] ||
  fail "agent B --check-config: $(cat "$OUT/agent-b-check.stderr")"
read -ra TLS_ARGS <<<"$(collector_tls_args)"
[ "$(run collector-check "$COLLECTOR" --config "$WORK/collector.yaml" --check-config "${TLS_ARGS[@]}")" -eq 0 ] ||
  fail "collector --check-config: $(cat "$OUT/collector-check.stderr")"

echo "== a tokens file with a pasted token instead of its hash"
sed "s/sha256: $(sha256_hex "$TOKEN_ADMIN")/sha256: $TOKEN_ADMIN/" "$SEC/tokens.yaml" >"$SECRETS/tokens-pasted.yaml"
grep -qF -f "$NEEDLES/token_admin" "$SECRETS/tokens-pasted.yaml" || fail "pasted token not planted"
read -ra PASTED_ARGS <<<"$(collector_tls_args | sed "s|$SEC/tokens.yaml|$SECRETS/tokens-pasted.yaml|")"
run collector-pasted-check "$COLLECTOR" --config "$WORK/collector.yaml" --check-config "${PASTED_ARGS[@]}" >/dev/null
code=$(run collector-pasted "$COLLECTOR" --config "$WORK/collector.yaml" --listen 127.0.0.1:0 \
  --db "$WORK/pasted.db" "${PASTED_ARGS[@]}")
[ "$code" -ne 0 ] || fail "the collector started with a raw token in its tokens file"
grep -q "sha256" "$OUT/collector-pasted.stderr" ||
  fail "the tokens file error does not name the key: $(cat "$OUT/collector-pasted.stderr")"
rm -f "$WORK"/pasted.db*
pass "tokens file with a pasted token refused (exit $code) without echoing it"

# ---------------------------------------------------------------- --test --
echo "== agent --test (one cycle: PostgreSQL, wrong password, unreachable, redirect)"
code=$(run agent-a-test "$AGENT" --config "$WORK/agent-a.yaml" --test)
[ "$code" -eq 0 ] || fail "agent A --test exited $code: $(tail -5 "$OUT/agent-a-test.stderr")"
grep -q '^scout_postgres_up{[^}]*target="pg-file-kv"[^}]*} 1 ' "$OUT/agent-a-test.stdout" ||
  fail "agent --test: pg-file-kv is not up (the password from the file did not work)"
code=$(SCOUT_TOKEN=$TOKEN_AGENT_ENV run agent-b-test "$AGENT" --config "$WORK/agent-b.yaml" --test -o json)
[ "$code" -eq 0 ] || fail "agent B --test exited $code"
pass "agent --test with secrets from files and from the environment"

# ------------------------------------------------------- normal operation --
echo "== collector, two agents and sctl at debug level"
start_collector() {  # start_collector RUN_NAME: sets COLLECTOR_PID and ADDR
  rm -f "$WORK/ready"
  "$COLLECTOR" --config "$WORK/collector.yaml" --listen 127.0.0.1:0 --ready-file "$WORK/ready" \
    --log-level debug "${TLS_ARGS[@]}" >"$OUT/$1.stdout" 2>"$OUT/$1.stderr" &
  COLLECTOR_PID=$!
  PIDS+=("$COLLECTOR_PID")
  wait_for 30 "collector ready" test -s "$WORK/ready"
  ADDR=$(cat "$WORK/ready")
}
start_collector collector-1
agent_a_yaml "$ADDR" >"$WORK/agent-a.yaml"
agent_b_yaml "$ADDR" >"$WORK/agent-b.yaml"
"$AGENT" --config "$WORK/agent-a.yaml" >"$OUT/agent-a.stdout" 2>"$OUT/agent-a.stderr" &
AGENT_A_PID=$!
PIDS+=("$AGENT_A_PID")
SCOUT_TOKEN=$TOKEN_AGENT_ENV "$AGENT" --config "$WORK/agent-b.yaml" --log-level debug \
  >"$OUT/agent-b.stdout" 2>"$OUT/agent-b.stderr" &
AGENT_B_PID=$!
PIDS+=("$AGENT_B_PID")

read -ra READER <<<"$(client_tls_args "$SEC/reader.token")"
ENV_CLIENT=(--ca "$SEC/ca.crt" --cert "$SEC/client-reader.crt" --key "$SEC/client-reader.key"
            --server-name localhost)
sctl_run() {  # sctl_run ARGS...: a reader with the token from a file; prints stdout
  "$SCTL" --collector "$ADDR" "${READER[@]}" "$@" 2>>"$OUT/sctl-reader.stderr" |
    tee -a "$OUT/sctl-reader.stdout"
}
latest_value() { sctl_run -o csv latest "$1" | awk -F, 'NR == 2 { print $NF }'; }
up() { [ "$(latest_value "scout_postgres_up{target=\"$1\"}")" = "$2" ]; }
wait_for 60 "pg-env up (password from \${ENV})" up pg-env 1
wait_for 30 "pg-file-kv up (password from @file:)" up pg-file-kv 1
wait_for 30 "pg-file-uri up (URL-encoded password from @file:)" up pg-file-uri 1
wait_for 30 "pg-wrong-password down" up pg-wrong-password 0
wait_for 30 "pg-unreachable down" up pg-unreachable 0
wait_for 30 "pg-closed-port down" up pg-closed-port 0
wait_for 30 "pg-unencoded-uri down" up pg-unencoded-uri 0
has_probe() { [ -n "$(latest_value "scout_probe_success{probe=\"$1\"}")" ]; }
wait_for 30 "probe redirect-env results" has_probe redirect-env
wait_for 30 "probe redirect-file results" has_probe redirect-file
pass "both agents stream; PostgreSQL up with the right password, down with the wrong one"
# The probes followed the 302 to the landing port (the first hop got the
# header; what a redirect may re-send is tests/probe's business).
grep -q "redirect-env: 200" "$OUT/agent-b.stderr" || fail "probe redirect-env did not follow the 302"
grep -q "redirect-file: 200" "$OUT/agent-a.stderr" || fail "probe redirect-file did not follow the 302"
grep -q "password authentication failed" "$OUT/agent-a.stderr" ||
  fail "agent A did not log the wrong password's failure (path not exercised)"
check_cmdlines "agents running"
wait_for 30 "webhook 'closed' failing" grep -q "receiver closed .* failed" "$OUT/collector-1.stderr"
pass "the collector's webhook receivers are being tried (and fail)"

echo "== sctl: tokens from a file, \$SCOUT_TOKEN_FILE and \$SCOUT_TOKEN; wrong token; wrong server"
sctl_run agents >/dev/null
sctl_run db connections >/dev/null || true
sctl_run probes >/dev/null
sctl_run -o json latest 'scout_postgres_up' >/dev/null
expect_sctl() {  # expect_sctl NAME WANT_CODE ARGS... (the environment is the caller's)
  local name=$1 want=$2 code
  shift 2
  code=$(run "sctl-$name" "$SCTL" "$@")
  [ "$code" -eq "$want" ] || fail "sctl $name exited $code, want $want: $(cat "$OUT/sctl-$name.stderr")"
}
SCOUT_TOKEN_FILE=$SEC/reader-env.token expect_sctl env-token-file 0 --collector "$ADDR" "${ENV_CLIENT[@]}" agents
SCOUT_TOKEN=$TOKEN_READER_ENV expect_sctl env-token 0 --collector "$ADDR" "${ENV_CLIENT[@]}" agents
SCOUT_TOKEN=$TOKEN_READER_ENV expect_sctl env-token-json 0 --collector "$ADDR" "${ENV_CLIENT[@]}" -o json latest scout_postgres_up
expect_sctl wrong-token-file 1 --collector "$ADDR" "${ENV_CLIENT[@]}" --token-file "$SEC/wrong.token" agents
SCOUT_TOKEN=$TOKEN_WRONG expect_sctl wrong-token-env 1 --collector "$ADDR" "${ENV_CLIENT[@]}" agents
SCOUT_TOKEN=$TOKEN_READER_ENV expect_sctl wrong-server 1 --collector "127.0.0.1:$CLOSED_PORT" \
  "${ENV_CLIENT[@]}" --timeout 2s agents
SCOUT_TOKEN=$TOKEN_READER_ENV expect_sctl wrong-server-name 1 --collector "$ADDR" --ca "$SEC/ca.crt" \
  --cert "$SEC/client-reader.crt" --key "$SEC/client-reader.key" --server-name wrong.example --timeout 2s agents
SCOUT_TOKEN=$TOKEN_READER_ENV expect_sctl plaintext 1 --collector "$ADDR" --timeout 2s agents
grep -qi "refused\|authenticat" "$OUT/sctl-wrong-token-file.stderr" ||
  fail "sctl with a wrong token did not say it was refused: $(cat "$OUT/sctl-wrong-token-file.stderr")"
pass "sctl with good, wrong and missing tokens, wrong server"

echo "== reports"
read -ra OPERATOR <<<"$(client_tls_args "$SEC/operator.token")"
for format in md html json; do
  "$SCTL" --collector "$ADDR" "${OPERATOR[@]}" report daily --date "$(date -u +%F)" --format "$format" \
    -o "$SCTL_REPORTS/today.$format" >"$OUT/sctl-report-$format.stdout" 2>"$OUT/sctl-report-$format.stderr" ||
    fail "sctl report daily --format $format: $(cat "$OUT/sctl-report-$format.stderr")"
done
pass "reports generated"

# ------------------------------------------------------------ database down --
echo "== database down, then back"
# Short, so the agents' reconnect backoff (5 s, doubling) stays short too.
pg_halt
wait_for 30 "pg-env down" up pg-env 0
check_cmdlines "database down"
pg_resume
wait_for 90 "pg-env up again" up pg-env 1
pass "targets went down with the database and came back"
check_cmdlines "database back"
# The agents' own debug lines between cycles.
sleep 2

# --------------------------------------------------------------- crashes --
echo "== crashes: SIGSEGV and SIGABRT to the agents and the collector"
crash() {  # crash PID SIGNAL WHAT
  kill "-$2" "$1"
  local code=0
  wait "$1" || code=$?
  [ "$code" -ne 0 ] || fail "$3 exited 0 after SIG$2"
  echo "$3: SIG$2 -> exit $code"
}
crash "$AGENT_A_PID" SEGV "agent A"
crash "$AGENT_B_PID" ABRT "agent B"
crash "$COLLECTOR_PID" SEGV "collector"
# Once more, so each program gets each signal; the collector reopens the
# database (and its WAL) the crash left behind.
start_collector collector-2
SCOUT_TOKEN=$TOKEN_AGENT_ENV "$AGENT" --config "$WORK/agent-b.yaml" \
  >"$OUT/agent-b2.stdout" 2>"$OUT/agent-b2.stderr" &
AGENT_B_PID=$!
PIDS+=("$AGENT_B_PID")
sleep 3
check_cmdlines "after a restart"
crash "$AGENT_B_PID" SEGV "agent B (2)"
crash "$COLLECTOR_PID" ABRT "collector (2)"
pass "crashes delivered"

# ------------------------------------------------------------------ search --
echo "== searching every place for every secret"
cp "$PG_DIR/postgres.log" "$OUT/postgresql.log"
grep -q "scout_mon" "$OUT/postgresql.log" || fail "PostgreSQL logged no connection of scout_mon"
find_secrets "stdout/stderr of a process or a log file" $(files_under "$OUT")
find_secrets "the collector's reports directory" $(files_under "$REPORTS")
find_secrets "reports written by sctl" $(files_under "$SCTL_REPORTS")
ls "$DBDIR"/scout.db-wal >/dev/null 2>&1 || echo "(no WAL file left)"
find_secrets "the SQLite database or its WAL" $(files_under "$DBDIR")
find_secrets "an agent's spool" $(files_under "$WORK/spool-a" "$WORK/spool-b")
pass "no secret in $(files_under "$OUT" | wc -l) outputs/logs, $(files_under "$REPORTS" "$SCTL_REPORTS" | wc -l) reports, $(files_under "$DBDIR" | wc -l) database files, $(files_under "$WORK/spool-a" "$WORK/spool-b" | wc -l) spool files, or ${CMDLINE_CHECKS} scans of every /proc/PID/cmdline"
