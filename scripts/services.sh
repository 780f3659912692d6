#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis servers for the integration tests.
#
#   scripts/services.sh start DIR   start both on free loopback ports, data in DIR
#                                   (created; must not exist or be empty), and
#                                   write DIR/env with SAMO_TEST_POSTGRES_URL,
#                                   SAMO_TEST_REDIS_URL and what the fault tests
#                                   need to stop and start them
#   scripts/services.sh stop DIR    stop both and delete DIR
#   scripts/services.sh stop-redis|start-redis|stop-postgres|start-postgres DIR
#                                   stop or start one of them on the same port,
#                                   keeping its data (fault tests)
#
# Missing servers are installed with apt-get (Debian: redis-server,
# postgresql) when running as root. PostgreSQL refuses to run as root, so as
# root its data directory belongs to the postgres user and initdb/pg_ctl run
# as that user. Both listen on 127.0.0.1 only, with random passwords, and are
# tuned for tests (no fsync). Nothing here is for production.
set -euo pipefail

die() { echo "services.sh: $*" >&2; exit 1; }

cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 start|stop|stop-redis|start-redis|stop-postgres|start-postgres DIR"

as_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  as_root || die "$1 is not installed and installing it needs root (apt-get install $1)"
  command -v apt-get >/dev/null || die "$1 is not installed and apt-get is not available"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "$1" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq "$1" >/dev/null 2>&1 || die "apt-get install $1 failed"
  fi
}

pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

# free_port prints a loopback TCP port nobody listens on.
free_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port found"
}

randhex() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

# pgrun runs a PostgreSQL tool as the owner of the data directory.
pgrun() {
  if as_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

wait_tcp() { # port seconds
  local i
  for i in $(seq 1 $(( $2 * 10 ))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

redis_start() { # uses REDIS_PORT REDIS_PASSWORD from $dir/state
  # shellcheck disable=SC1091
  . "$dir/state"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --requirepass "$REDIS_PASSWORD" \
    --dir "$dir/redis" --daemonize yes --pidfile "$dir/redis/redis.pid" \
    --logfile "$dir/redis/redis.log" --save "" --appendonly no --protected-mode yes \
    --databases 256 --maxmemory 256mb --maxmemory-policy noeviction >/dev/null
  wait_tcp "$REDIS_PORT" 10 || die "redis did not start (see $dir/redis/redis.log)"
}

redis_stop() {
  local pid i
  [ -f "$dir/redis/redis.pid" ] || return 0
  pid=$(cat "$dir/redis/redis.pid")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/redis/redis.pid"
}

pg_start() {
  # shellcheck disable=SC1091
  . "$dir/state"
  pgrun "$PG_BIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w -t 30 \
    -o "-p $PG_PORT -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || die "postgres did not start (see $dir/pg/log)"
}

pg_stop() {
  # shellcheck disable=SC1091
  . "$dir/state"
  [ -f "$dir/pg/data/postmaster.pid" ] || return 0
  pgrun "$PG_BIN/pg_ctl" -D "$dir/pg/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
}

start() {
  command -v redis-server >/dev/null || apt_install redis-server
  pg_bin >/dev/null || apt_install postgresql
  local bin; bin=$(pg_bin) || die "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin"
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  chmod 0755 "$dir"
  mkdir -m 0700 "$dir/redis" "$dir/pg"
  local redis_port pg_port redis_pw pg_pw
  redis_port=$(free_port)
  pg_port=$(free_port)
  [ "$redis_port" != "$pg_port" ] || pg_port=$(free_port)
  redis_pw=$(randhex)
  pg_pw=$(randhex)
  umask 077
  cat >"$dir/state" <<EOF
REDIS_PORT=$redis_port
REDIS_PASSWORD=$redis_pw
PG_PORT=$pg_port
PG_BIN=$bin
EOF
  redis_start

  printf '%s\n' "$pg_pw" >"$dir/pg/pwfile"
  if as_root; then chown -R postgres: "$dir/pg"; fi
  pgrun "$bin/initdb" -D "$dir/pg/data" -U samo --pwfile="$dir/pg/pwfile" -A scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$dir/pg/initdb.log" 2>&1 || pgrun "$bin/initdb" -D "$dir/pg/data" -U samo \
    --pwfile="$dir/pg/pwfile" -A scram-sha-256 -E UTF8 --no-locale >"$dir/pg/initdb.log" 2>&1 ||
    die "initdb failed (see $dir/pg/initdb.log)"
  rm -f "$dir/pg/pwfile"
  pg_start
  PGPASSWORD="$pg_pw" psql -q -h 127.0.0.1 -p "$pg_port" -U samo -d postgres -c 'CREATE DATABASE samo_test' >/dev/null ||
    die "CREATE DATABASE failed"

  cat >"$dir/env" <<EOF
export SAMO_TEST_POSTGRES_URL='postgres://samo:$pg_pw@127.0.0.1:$pg_port/samo_test?sslmode=disable'
export SAMO_TEST_REDIS_URL='redis://:$redis_pw@127.0.0.1:$redis_port/0'
export SAMO_TEST_SERVICES_SCRIPT='$(cd "$(dirname "$0")" && pwd)/services.sh'
EOF
  echo "services: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port ($dir)"
}

stop() {
  [ -f "$dir/state" ] || { rm -rf "$dir"; return 0; }
  redis_stop
  pg_stop
  rm -rf "$dir"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  stop-redis) redis_stop ;;
  start-redis) redis_start ;;
  stop-postgres) pg_stop ;;
  start-postgres) pg_start ;;
  *) die "unknown command $cmd" ;;
esac
