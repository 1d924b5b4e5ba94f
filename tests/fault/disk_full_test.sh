#!/usr/bin/env bash
# Fault 5: the collector's database is on a filesystem that fills up.
# Ingest answers RESOURCE_EXHAUSTED with a clear reason, agents spool,
# nothing is corrupted, and ingest resumes when space is freed.
source "$(dirname "$0")/lib.sh" "$@"
SERIES=2000 SAMPLES=50

mkdir -p "$WORK/db"
if ! mount -t tmpfs -o size=8m scout-fault5 "$WORK/db" 2>"$WORK/mount.err"; then
  echo "SKIP: cannot mount a tmpfs here (needs root): $(cat "$WORK/mount.err")"
  exit 77
fi
trap 'cleanup; umount "$WORK/db" 2>/dev/null || true; rm -rf "$WORK"' EXIT
KEEP_WORK=1  # removed by the trap above after unmounting
DB=$WORK/db/scout.db
start_collector
agent_config "$WORK/agent.yaml" fault5 "$ADDR" $SERIES $SAMPLES
start_agent "$WORK/agent.yaml" fault5
wait_for 30 "agent connected" grep -q "connected to collector" "$WORK/agent-fault5.log"
sleep 3
# Leave almost no room.
free_kb=$(df -k --output=avail "$WORK/db" | tail -1)
dd if=/dev/zero of="$WORK/db/filler" bs=1k count=$((free_kb - 64)) status=none 2>/dev/null || true
wait_for 60 "the collector to report a full disk" grep -q "database or disk is full" "$WORK/collector.log"
wait_for 30 "the agent to be told to retry" grep -q "could not store batch" "$WORK/agent-fault5.log"
grep -q "RESOURCE_EXHAUSTED\|not stored: sqlite: database or disk is full" "$WORK/agent-fault5.log" ||
  grep -q "not stored" "$WORK/agent-fault5.log" || fail "agent log does not carry the reason"
pass "full disk reported: $(grep -m1 "storage commit failed" "$WORK/collector.log" | cut -c1-160)"
sleep 5
rm -f "$WORK/db/filler"
pass "space freed"
wait_verified 150 fault5 $SERIES $SAMPLES
check=$(sqlite3 "$DB" "PRAGMA integrity_check")
[ "$check" = "ok" ] || fail "integrity_check: $check"
pass "PRAGMA integrity_check: ok"
grep -q "storage writable again" "$WORK/collector.log" || fail "collector did not log the recovery"
stop_agent fault5
check_ledger
stop_collector
check_collector_ledger
record retried_batches "$(grep -c "could not store batch" "$WORK/agent-fault5.log")"
