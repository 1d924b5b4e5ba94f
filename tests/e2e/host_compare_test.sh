#!/usr/bin/env bash
# The agent's host figures against what the classic tools print on the same
# machine at the same moment, within stated tolerances:
#   memory (free -b)            MemTotal exact, MemAvailable within 5 % of total
#   load (/proc/loadavg)        load1 within 0.5
#   filesystem / (df -B1 /)     size exact, available within 1 % of size
#   sockets (ss -tuln)          listening TCP + UDP sockets within 5
COLLECTOR=$1 AGENT=$2 SCTL=$3
source "$(dirname "$0")/lib.sh"
for tool in free df ss; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/install-deps.sh installs it)"
done

"$AGENT" --test --id cmp >"$WORK/samples.txt" 2>"$WORK/agent.log" || fail "agent --test failed"
free -b >"$WORK/free.txt"
loadavg=$(cut -d' ' -f1 /proc/loadavg)
df -B1 --output=size,avail / | tail -1 >"$WORK/df.txt"
ss_count=$(ss -tuln | tail -n +2 | wc -l)

# value METRIC [LABEL_FRAGMENT]: the value of the first matching sample.
value() {
  awk -v m="$1" -v f="${2:-}" '$1 ~ "^"m"[{]" && index($1, f) { print $2; exit }' "$WORK/samples.txt"
}
within() {  # within A B TOLERANCE WHAT
  awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }' ||
    fail "$4: agent $1 vs tool $2 (tolerance $3)"
  pass "$4: agent $1 vs tool $2 (tolerance $3)"
}

mem_total=$(awk '/^Mem:/ {print $2}' "$WORK/free.txt")
mem_avail=$(awk '/^Mem:/ {print $7}' "$WORK/free.txt")
within "$(value node_memory_MemTotal_bytes)" "$mem_total" 0 "memory total"
within "$(value node_memory_MemAvailable_bytes)" "$mem_avail" "$(awk -v t="$mem_total" 'BEGIN{print t*0.05}')" "memory available"
within "$(value node_load1)" "$loadavg" 0.5 "load1"
read -r df_size df_avail <"$WORK/df.txt"
within "$(value node_filesystem_size_bytes 'mountpoint="/"')" "$df_size" 0 "filesystem / size"
within "$(value node_filesystem_avail_bytes 'mountpoint="/"')" "$df_avail" "$(awk -v s="$df_size" 'BEGIN{print s*0.01}')" "filesystem / available"
listening=$(value node_sockets_listening)
[ -n "$listening" ] || fail "the agent reported no node_sockets_listening"
within "$listening" "$ss_count" 5 "listening sockets (ss -tuln)"
