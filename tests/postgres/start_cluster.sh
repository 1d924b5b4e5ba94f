#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster (pg_cluster.sh) and leaves it
# running; prints PG_DSN=, PG_POSTMASTER_PID= and PG_DIR= lines on stdout.
# The caller stops it: SIGINT to the postmaster, wait, rm -rf PG_DIR.
set -euo pipefail
source "$(dirname "$0")/pg_cluster.sh"
pg_start  # prints nothing on stdout; a redirect here would leak a pipe fd to postgres
echo "PG_DSN=$PG_DSN"
echo "PG_POSTMASTER_PID=$PG_POSTMASTER_PID"
echo "PG_DIR=$PG_DIR"
