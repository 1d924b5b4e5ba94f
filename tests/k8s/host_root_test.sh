#!/usr/bin/env bash
# An agent started with its host root pointed at a copied container-style
# tree (/host/proc layout) reports the host's figures, not its own
# namespace's.
#
# The tree T/host is what the DaemonSet pod sees under /host (hostPID, no
# hostNetwork): the node's procfs, where self -> the agent's own pid and
# net -> self/net, mounts -> self/mounts are the POD's namespaces, while
# 1/net and 1/mounts are the host's. Its files are copies of this machine's
# /proc, altered so every asserted figure is distinctive: a 64 GiB, 16-CPU
# host with load 7.25, ens5 with known counters, a /data disk, postgres
# and node processes. The agent runs with the DaemonSet's exact flags
# (paths moved into T), streams to a real collector, and sctl must show the
# host's figures and none of the pod's. Then the alive file and
# --check-alive (the pod's exec probe), and the spool's LOCK against a
# second agent.
#
# Usage: host_root_test.sh WORK_DIR AGENT COLLECTOR SCTL (WORK_DIR unused:
# everything lives in a fresh mktemp dir).
AGENT=$2 COLLECTOR=$3 SCTL=$4
source "$(dirname "$0")/../e2e/lib.sh"
T=$WORK
H=$T/host
P=$H/proc

# ---------------------------------------------------------------- the tree
mkdir -p "$P/sys/fs" "$P/pressure" "$H/sys/block/nvme0n1" "$H/etc" "$H/data" \
  "$H/var/lib/scout/spool"
touch "$H/etc/hosts"  # a pod-only mount point: statvfs would work if it were read

# Host-wide files: real copies, with the figures the test asserts replaced.
sed -e 's/^MemTotal:.*/MemTotal:       67108864 kB/' \
    -e 's/^MemAvailable:.*/MemAvailable:   50331648 kB/' /proc/meminfo >"$P/meminfo"
grep -q '^MemAvailable:   50331648 kB' "$P/meminfo" || fail "meminfo of this machine has no MemAvailable"
awk '/^pgmajfault / { $2 = 777 } { print }' /proc/vmstat >"$P/vmstat"
# 16 CPUs (cpu0's counters repeated), boot time 1700000000.
awk '/^cpu0 / { for (i = 0; i < 16; i++) { $1 = "cpu" i; print } next }
     /^cpu[0-9]/ { next }
     /^btime / { $2 = 1700000000 }
     { print }' /proc/stat >"$P/stat"
echo "7.25 6.50 5.75 4/1337 99999" >"$P/loadavg"
echo "864000.50 1700000.00" >"$P/uptime"
printf '8192\t0\t9223372036854775807\n' >"$P/sys/fs/file-nr"
cp /proc/diskstats "$P/diskstats"
echo " 259       0 nvme0n1 1000 0 2000000 500 3000 0 4000000 900 0 1200 1400 0 0 0 0 0 0" >>"$P/diskstats"
echo "1000 0 2000000 500 3000 0 4000000 900 0 1200 1400 0 0 0 0 0 0" >"$H/sys/block/nvme0n1/stat"
for r in cpu memory io; do
  printf 'some avg10=12.50 avg60=10.00 avg300=5.00 total=123456789\nfull avg10=1.00 avg60=0.50 avg300=0.10 total=2345678\n' \
    >"$P/pressure/$r"
done

# Network namespaces. net_files DIR RETRANS DEV_LINES TCP_LINES
net_files() {
  mkdir -p "$1"
  { head -2 /proc/net/dev; printf '%s\n' "$3"; } >"$1/dev"
  # Real snmp with Tcp RetransSegs replaced.
  awk -v r="$2" '$1 == "Tcp:" && !col { for (i = 2; i <= NF; i++) if ($i == "RetransSegs") col = i; print; next }
                 $1 == "Tcp:" && col { $col = r } { print }' /proc/net/snmp >"$1/snmp"
  { head -1 /proc/net/tcp; printf '%s\n' "$4"; } >"$1/tcp"
  head -1 /proc/net/tcp6 >"$1/tcp6"
  head -1 /proc/net/udp >"$1/udp"
  head -1 /proc/net/udp6 >"$1/udp6"
}
tcp_line() {  # tcp_line SLOT LOCAL_PORT_HEX STATE_HEX
  printf '%4d: 0100007F:%s 00000000:0000 %s 00000000:00000000 00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n' \
    "$1" "$2" "$3" "$((10000 + $1))"
}
# The host's: ens5 with known counters, a pod's veth (left out by default);
# 3 listening, 2 established TCP sockets.
net_files "$P/1/net" 31337 \
  "$(printf '    lo:    5000      50    0    0    0     0          0         0     5000      50    0    0    0     0       0          0\n  ens5: 987654321098 123456789    0    0    0     0          0         0 123456789012 98765432    0    0    0     0       0          0\nveth3f2a9c1:  1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0')" \
  "$(tcp_line 0 1538 0A; tcp_line 1 0016 0A; tcp_line 2 2382 0A; tcp_line 3 1538 01; tcp_line 4 2382 01)"
# The pod's own (what /proc/net shows the agent): eth0, 1 listener, 7 retransmits.
AGENT_PID=4242
net_files "$P/$AGENT_PID/net" 7 \
  "$(printf '    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0\n  eth0:    4242      42    0    0    0     0          0         0     2121      21    0    0    0     0       0          0')" \
  "$(tcp_line 0 1F90 0A)"
ln -s "$AGENT_PID" "$P/self"
ln -s self/net "$P/net"
ln -s self/mounts "$P/mounts"

cat >"$P/1/mounts" <<'EOF'
/dev/nvme0n1p1 / ext4 rw,relatime,discard,errors=remount-ro 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /run tmpfs rw,nosuid,nodev,size=3266928k,mode=755 0 0
/dev/nvme1n1 /data xfs rw,noatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0
EOF
cat >"$P/$AGENT_PID/mounts" <<'EOF'
overlay / overlay rw,relatime,lowerdir=/var/lib/containerd/l1:/var/lib/containerd/l2,upperdir=/var/lib/containerd/u,workdir=/var/lib/containerd/w 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
/dev/nvme0n1p1 /etc/hosts ext4 rw,relatime 0 0
/dev/nvme0n1p1 /var/lib/scout/spool ext4 rw,relatime 0 0
tmpfs /run/scout tmpfs rw,relatime 0 0
EOF

cat >"$H/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/bash
app:x:1000:1000::/srv/app:/bin/sh
EOF

PAGE=$(getconf PAGESIZE)
# fake_proc PID COMM UID RSS_KB THREADS FDS ARGV...
fake_proc() {
  local pid=$1 comm=$2 uid=$3 rss_kb=$4 threads=$5 fds=$6
  shift 6
  local d=$P/$pid pages=$((rss_kb * 1024 / PAGE)) i
  mkdir -p "$d/fd"
  # 52 fields; the collector reads state, flags, utime, stime, num_threads,
  # starttime and rss.
  echo "$pid ($comm) S 1 $pid $pid 0 -1 4194560 100 0 0 0 300 50 0 0 20 0 $threads 0 $((1000 + pid)) 123456789 $pages 18446744073709551615 $(printf '0 %.0s' $(seq 27))" >"$d/stat"
  echo "$((pages * 2)) $pages 100 10 0 $pages 0" >"$d/statm"
  printf 'Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%s\nPid:\t%s\nPPid:\t1\nUid:\t%s\t%s\t%s\t%s\nGid:\t%s\t%s\t%s\t%s\nVmRSS:\t%s kB\nThreads:\t%s\n' \
    "$comm" "$pid" "$pid" "$uid" "$uid" "$uid" "$uid" "$uid" "$uid" "$uid" "$uid" "$rss_kb" "$threads" >"$d/status"
  printf '%s\0' "$@" >"$d/cmdline"
  for ((i = 0; i < fds; i++)); do touch "$d/fd/$i"; done
}
fake_proc 1 systemd 0 12288 1 40 /sbin/init
fake_proc 812 postgres 999 2097152 1 12 /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main
fake_proc 813 postgres 999 262144 1 8 "postgres: app app 10.0.0.7(51234) idle"
fake_proc 913 node 1000 524288 11 30 node /srv/app/server.js
fake_proc "$AGENT_PID" scout-agent 0 40960 9 16 scout-agent --config=/etc/scout/agent.yaml
PG_RSS=$((2097152 * 1024))
PG_GROUP_RSS=$(((2097152 * 1024 / PAGE + 262144 * 1024 / PAGE) * PAGE))  # statm: exact pages

# ---------------------------------------------------------- the processes
"$COLLECTOR" --listen 127.0.0.1:0 --db "$T/scout.db" --ready-file "$T/ready" \
  >"$T/collector.log" 2>&1 &
PIDS+=($!)
wait_for 20 "collector ready" test -s "$T/ready"
ADDR=$(cat "$T/ready")

cat >"$T/agent.yaml" <<YAML
collector: $ADDR
interval: 1s
reconnect_max_backoff: 1s
spool: {fsync: false}
processes:
  groups:
    - {name: postgres, comm: postgres}
    - {name: node, cmdline: "node .*server[.]js"}
YAML
NODE_NAME=node-a
# The DaemonSet's arguments, /host, /var/lib/scout/spool and /run/scout
# moved into T.
"$AGENT" --config="$T/agent.yaml" --host-root="$H" --id="$NODE_NAME" --hostname="$NODE_NAME" \
  --spool-dir="$T/spool" --alive-file="$T/alive" >"$T/agent.log" 2>&1 &
AGENT_PROC=$!
PIDS+=($AGENT_PROC)

sctl() { "$SCTL" --collector "$ADDR" "$@"; }
# rows SELECTOR: the CSV rows (no header) of the latest values it matches.
rows() { sctl latest "$1" -o csv | tail -n +2; }
has() { [ -n "$(rows "$1")" ]; }
# expect_value SELECTOR WANT: the one matching series' latest value is WANT.
expect_value() {
  local out n got
  out=$(rows "$1") || fail "sctl latest '$1' failed"
  n=$(printf '%s' "$out" | grep -c . || true)
  [ "$n" = 1 ] || fail "$1: $n series, want 1: $out"
  got=${out##*,}
  awk -v a="$got" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }' || fail "$1 = $got, want $2"
  pass "$1 = $got"
}
# expect_none SELECTOR WHY: no series at all (stale ones included) matches.
expect_none() {
  local out
  out=$(sctl series "$1" -o csv | tail -n +2) || fail "sctl series '$1' failed"
  [ -z "$out" ] || fail "$2: found $out"
  pass "no $1 ($2)"
}

h="host=\"$NODE_NAME\""
for sel in "node_memory_MemTotal_bytes{$h}" "node_network_receive_bytes_total{$h,device=\"ens5\"}" \
           "node_filesystem_size_bytes{$h,mountpoint=\"/data\"}" "node_tcp_connections{$h}" \
           "scout_process_group_processes{$h,group=\"postgres\"}" "node_disk_read_bytes_total{$h}" \
           "scout_process_resident_memory_bytes{$h,pid=\"812\"}"; do
  wait_for 20 "$sel from the agent" has "$sel"
done

# ------------------------------------------------------------ the figures
agents=$(sctl agents -o csv)
row=$(printf '%s\n' "$agents" | awk -F, -v id="$NODE_NAME" '$1 == id')
[ -n "$row" ] || fail "agent $NODE_NAME not listed: $agents"
[ "$(printf '%s' "$row" | cut -d, -f2)" = "$NODE_NAME" ] ||
  fail "agent $NODE_NAME reports hostname $(printf '%s' "$row" | cut -d, -f2), want $NODE_NAME: $row"
[ "$(printf '%s' "$row" | cut -d, -f4)" = up ] || fail "agent $NODE_NAME is not up: $row"
pass "sctl agents: id $NODE_NAME, hostname $NODE_NAME (not $(hostname)), up"

expect_value "node_memory_MemTotal_bytes{$h}" $((67108864 * 1024))
expect_value "node_memory_MemAvailable_bytes{$h}" $((50331648 * 1024))
expect_value "node_memory_used_ratio{$h}" 0.25
expect_value "node_vmstat_pgmajfault{$h}" 777
expect_value "node_load1{$h}" 7.25
expect_value "node_load15{$h}" 5.75
expect_value "node_cpu_count{$h}" 16
expect_value "node_boot_time_seconds{$h}" 1700000000
expect_value "node_uptime_seconds{$h}" 864000.5
expect_value "node_filefd_allocated{$h}" 8192
expect_value "node_pressure_memory_some_avg10_ratio{$h}" 0.125
expect_value "node_disk_read_bytes_total{$h,device=\"nvme0n1\"}" $((2000000 * 512))

# Network: the host's namespace (1/net), never the pod's (net -> self/net).
expect_value "node_network_receive_bytes_total{$h,device=\"ens5\"}" 987654321098
expect_value "node_network_transmit_bytes_total{$h,device=\"ens5\"}" 123456789012
expect_none "{$h,device=\"eth0\"}" "eth0 is the pod's interface"
expect_none "{$h,device=\"veth3f2a9c1\"}" "per-pod veth interfaces are excluded by default"
expect_value "node_tcp_connections{$h,state=\"listen\",family=\"ipv4\"}" 3
expect_value "node_tcp_connections{$h,state=\"established\",family=\"ipv4\"}" 2
expect_value "node_netstat_Tcp_RetransSegs{$h}" 31337

# Filesystems: the host's mount table (1/mounts), statvfs under the host root.
read -r blocks bsize < <(stat -f -c '%b %S' "$H/data")
expect_value "node_filesystem_size_bytes{$h,mountpoint=\"/data\",device=\"/dev/nvme1n1\",fstype=\"xfs\"}" \
  $((blocks * bsize))
expect_value "node_filesystem_device_error{$h,mountpoint=\"/\",fstype=\"ext4\"}" 0
expect_none "{$h,fstype=\"overlay\"}" "the pod's overlay root"
expect_none "{$h,mountpoint=\"/etc/hosts\"}" "a pod-only mount"
expect_none "node_filesystem_size_bytes{$h,fstype=\"tmpfs\"}" "pseudo filesystems are excluded"

# Processes: the host's pids, users from the host's /etc/passwd.
top=$(sctl top --host "$NODE_NAME" -n 10 -o csv)
pg=$(printf '%s\n' "$top" | awk -F, '$2 == "812"')
[ "$(printf '%s' "$pg" | cut -d, -f3,4)" = "postgres,postgres" ] ||
  fail "sctl top: pid 812 not shown as postgres run by postgres: $top"
awk -v a="$(printf '%s' "$pg" | cut -d, -f6)" -v b=$PG_RSS 'BEGIN { exit !(a + 0 == b + 0) }' ||
  fail "sctl top: postgres RSS $(printf '%s' "$pg" | cut -d, -f6), want $PG_RSS: $top"
pass "sctl top: pid 812 postgres (user postgres) with RSS $PG_RSS"
printf '%s\n' "$top" | awk -F, '$2 == "913" && $3 == "node" && $4 == "app"' | grep -q . ||
  fail "sctl top: no node process 913 run by app: $top"
pass "sctl top: pid 913 node (user app)"
expect_value "scout_process_group_processes{$h,group=\"postgres\"}" 2
expect_value "scout_process_group_resident_memory_bytes{$h,group=\"postgres\"}" $PG_GROUP_RSS
expect_value "scout_process_group_processes{$h,group=\"node\"}" 1
expect_value "scout_process_open_fds{$h,pid=\"812\"}" 12
expect_value "node_processes{$h}" 5

# sctl host: the one-screen summary agrees.
summary=$(sctl host "$NODE_NAME" -o csv)
for want in "Memory total,68719476736" "Load 1,7.25" "CPUs,16"; do
  printf '%s\n' "$summary" | grep -q "^$want," || fail "sctl host: no row $want: $summary"
done
pass "sctl host $NODE_NAME: 64 GiB, load 7.25, 16 CPUs"

# ------------------------------------------------------- liveness, the LOCK
# The agent touches the alive file every cycle: set it back and it comes back.
"$AGENT" --check-alive="$T/alive" --max-age=60s >"$T/check.out" 2>&1 ||
  fail "--check-alive on the running agent's file failed: $(cat "$T/check.out")"
pass "--check-alive while running: $(cat "$T/check.out")"
touch -d '-5 min' "$T/alive"
wait_for 10 "the agent to touch the alive file again" "$AGENT" --check-alive "$T/alive" --max-age 5s
pass "the alive file is touched every cycle"
# The probe reads no config and opens no spool.
"$AGENT" --check-alive "$T/alive" --config "$T/missing.yaml" --spool-dir /proc/no-spool \
  >/dev/null 2>"$T/check.err" || fail "--check-alive needed the config or spool: $(cat "$T/check.err")"
pass "--check-alive ignores --config and --spool-dir"

# A second agent on the same spool (a rollout with maxSurge on a hostPath).
set +e
timeout 10 "$AGENT" --config="$T/agent.yaml" --host-root="$H" --id=node-b --hostname=node-b \
  --spool-dir="$T/spool" --alive-file="$T/alive2" >"$T/second.out" 2>&1
code=$?
set -e
[ "$code" = 1 ] || fail "a second agent on $T/spool exited $code, want 1: $(cat "$T/second.out")"
grep -q "spool directory $T/spool is in use by another scout-agent" "$T/second.out" ||
  fail "the second agent's error does not name the locked spool: $(cat "$T/second.out")"
[ ! -e "$T/alive2" ] || fail "the second agent touched its alive file"
pass "second agent on the same spool: exit 1, $(head -1 "$T/second.out")"
kill -0 "$AGENT_PROC" || fail "the first agent died"

kill -TERM "$AGENT_PROC"
wait "$AGENT_PROC" || fail "agent did not exit 0 on SIGTERM"
touch -d '-2 min' "$T/alive"
set +e
"$AGENT" --check-alive="$T/alive" --max-age=60s >/dev/null 2>"$T/stale.err"; stale=$?
rm -f "$T/alive"
"$AGENT" --check-alive="$T/alive" --max-age=60s >/dev/null 2>"$T/missing.err"; missing=$?
set -e
[ "$stale" = 1 ] || fail "--check-alive of a 2 min old file exited $stale, want 1"
grep -q "was last touched 1[0-9][0-9].[0-9]s ago, more than --max-age 1m" "$T/stale.err" ||
  fail "--check-alive (stale) says: $(cat "$T/stale.err")"
pass "--check-alive, file 2 min old: exit 1: $(cat "$T/stale.err")"
[ "$missing" = 1 ] || fail "--check-alive of a missing file exited $missing, want 1"
grep -q "No such file" "$T/missing.err" || fail "--check-alive (missing) says: $(cat "$T/missing.err")"
pass "--check-alive, no file: exit 1: $(cat "$T/missing.err")"

# Once the first agent is gone its lock is too.
"$AGENT" --config="$T/agent.yaml" --host-root="$H" --id="$NODE_NAME" --hostname="$NODE_NAME" \
  --spool-dir="$T/spool" >"$T/third.log" 2>&1 &
THIRD=$!
PIDS+=($THIRD)
wait_for 10 "a new agent on the released spool" grep -q "scout-agent .* spool=$T/spool" "$T/third.log"
kill -TERM "$THIRD"
wait "$THIRD" || fail "the agent on the released spool exited $?"
pass "after the first agent stopped, a new one opens the spool"
