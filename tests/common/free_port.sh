# free_port: prints a TCP port on 127.0.0.1 that nothing listens on now
# (random in 20000-39999, 50 tries; exit status 1 if none). Another process
# may take it before the caller binds it: servers that can, bind port 0.
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  return 1
}
