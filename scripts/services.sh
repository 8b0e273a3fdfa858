#!/usr/bin/env bash
# Start throw-away PostgreSQL and Redis servers on loopback for the tests. Source this file:
# it exports DATABASE_URL and REDIS_URL and stops both servers when the shell exits.
# Works as root (PostgreSQL then runs as the postgres user) or as a normal user.

SERVICES_DIR="$(mktemp -d /tmp/shopreel-services.XXXXXX)"
chmod 755 "$SERVICES_DIR"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
PG_PORT="${PG_PORT:-$(( 20000 + RANDOM % 20000 ))}"
REDIS_PORT="${REDIS_PORT:-$(( 40000 + RANDOM % 20000 ))}"

as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

mkdir -p "$SERVICES_DIR/pg" "$SERVICES_DIR/pgsock"
[ "$(id -u)" = 0 ] && chown postgres "$SERVICES_DIR/pg" "$SERVICES_DIR/pgsock"
as_pg "$PG_BIN/initdb -D $SERVICES_DIR/pg -U postgres -A trust -E UTF8 --no-sync" >"$SERVICES_DIR/initdb.log" 2>&1 || { cat "$SERVICES_DIR/initdb.log" >&2; exit 1; }
as_pg "$PG_BIN/pg_ctl -D $SERVICES_DIR/pg -w -l $SERVICES_DIR/pgsock/postgres.log -o '-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$SERVICES_DIR/pgsock -c fsync=off -c synchronous_commit=off -c full_page_writes=off' start" >/dev/null

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log"

stop_services() {
  as_pg "$PG_BIN/pg_ctl -D $SERVICES_DIR/pg -m immediate stop" >/dev/null 2>&1 || true
  [ -f "$SERVICES_DIR/redis.pid" ] && kill "$(cat "$SERVICES_DIR/redis.pid")" 2>/dev/null || true
  rm -rf "$SERVICES_DIR"
}
trap stop_services EXIT

for _ in $(seq 1 50); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/shopreel"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export SHOPREEL_TEST_REQUIRE_SERVICES=1
