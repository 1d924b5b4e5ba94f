#!/usr/bin/env bash
# Bytes budget (issue 16): 8 streams x 8 batches in flight x 16 MiB
# one-point batches. Points are not what costs memory here, bytes are: the
# collector's RSS must stay under what its byte limits add up to (gRPC's
# buffers + pending bytes + one decoded batch per stream being validated)
# over its idle size, and it must keep serving a normal agent.
#   bytes_budget_test.sh COLLECTOR BENCH SCTL
COLLECTOR=$1 BENCH=$2 SCTL=$3
source "$(dirname "$0")/lib.sh"
MIB=1048576
GRPC_MIB=64 PENDING_MIB=64 STREAMS=8
start_collector "ingest:
  max_batch_bytes: $((16 * MIB))
  grpc_memory_bytes: $((GRPC_MIB * MIB))
  max_pending_bytes: $((PENDING_MIB * MIB))"
sleep 2
idle=$(rss_kib)
# A decoded 16 MiB message costs its wire bytes twice at most (buffer + parsed).
BUDGET_MIB=$((GRPC_MIB + PENDING_MIB + STREAMS * 2 * 16))
echo "== idle RSS $((idle / 1024)) MiB; budget over it: $BUDGET_MIB MiB"
bench bigbatch --streams $STREAMS --window 8 --bytes $((16 * MIB - 4096)) --duration 20s >"$WORK/big.txt" 2>&1 &
big_pid=$!
sleep 5
bench ingest --agents 1 --series 1000 --rate 1000 --duration 10s >"$WORK/good.txt" 2>&1 ||
  fail "a normal agent was not served during the flood: $(cat "$WORK/good.txt")"
wait "$big_pid" || fail "bigbatch client failed: $(cat "$WORK/big.txt")"
cat "$WORK/big.txt" "$WORK/good.txt"
sent=$(kv "$WORK/big.txt" bigbatch_sent)
[ "$sent" -ge 16 ] || fail "only $sent huge batches were sent: the test did not load the collector"
grep -q "rejected batches: 0  stream errors: 0" "$WORK/good.txt" || fail "the normal agent lost batches"
peak=$(rss_kib VmHWM)
growth=$(((peak - idle) / 1024))
[ "$growth" -lt "$BUDGET_MIB" ] || fail "RSS grew by $growth MiB, over the $BUDGET_MIB MiB budget"
pass "$sent batches of 16 MiB sent; RSS grew by $growth MiB (budget $BUDGET_MIB MiB); a normal agent was served"
