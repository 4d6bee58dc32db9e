#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the service tests (issue #19), sourced by tests/run.sh:
#   pg_cluster_start   initdb + pg_ctl in a temporary folder on a free loopback port; exports
#                      RENJA_TEST_PG_URL (postgres://renja@127.0.0.1:PORT/postgres, trust
#                      authentication on loopback only) and PG_CLUSTER_DIR.
#   pg_cluster_stop    stops it and removes the folder.
# PG_CLUSTER_TLS=1: the server speaks TLS with a certificate for 127.0.0.1 from a CA of its own
# (exported as PG_CLUSTER_CA, a PEM file) and refuses unencrypted TCP connections (hostssl only).
# initdb refuses to run as root: as root the cluster belongs to the `postgres` user (Debian's
# package creates it) and is run through runuser. Assumes no other server uses the port it picks.

pg_cluster_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

pg_cluster_start() {
  local bin port as=()
  bin="$(pg_cluster_bin)" || { echo "pg_cluster: initdb not found (apt-get install postgresql)" >&2; return 2; }
  PG_CLUSTER_DIR="$(mktemp -d /tmp/renja-pg.XXXXXX)"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_CLUSTER_DIR"
    as=(runuser -u postgres --)
  fi
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  "${as[@]}" "$bin/initdb" -D "$PG_CLUSTER_DIR/data" -U renja -A trust -E UTF8 --locale=C.UTF-8 >"$PG_CLUSTER_DIR/initdb.log" 2>&1 \
    || { cat "$PG_CLUSTER_DIR/initdb.log" >&2; return 2; }
  # Tests trade durability for speed; PG_CLUSTER_DURABLE=1 (benchmarks) keeps PostgreSQL's defaults.
  local fast="-c fsync=off -c full_page_writes=off"
  [ -n "${PG_CLUSTER_DURABLE:-}" ] && fast=""
  if [ -n "${PG_CLUSTER_TLS:-}" ]; then
    local t="$PG_CLUSTER_DIR/tls"
    mkdir -p "$t"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Renja Uji PG CA" \
      -keyout "$t/ca.key" -out "$t/ca.pem" >/dev/null 2>&1 || { echo "pg_cluster: openssl CA failed" >&2; return 2; }
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$t/server.key" -out "$t/server.csr" >/dev/null 2>&1 \
      || { echo "pg_cluster: openssl CSR failed" >&2; return 2; }
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$t/ext.cnf"
    openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
      -extfile "$t/ext.cnf" -out "$t/server.crt" >/dev/null 2>&1 || { echo "pg_cluster: openssl sign failed" >&2; return 2; }
    chmod 600 "$t/server.key"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$t"
    printf 'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 reject\n' >"$PG_CLUSTER_DIR/data/pg_hba.conf"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_CLUSTER_DIR/data/pg_hba.conf"
    fast="$fast -c ssl=on -c ssl_cert_file=$t/server.crt -c ssl_key_file=$t/server.key"
    export PG_CLUSTER_CA="$t/ca.pem"
  fi
  "${as[@]}" "$bin/pg_ctl" -D "$PG_CLUSTER_DIR/data" -l "$PG_CLUSTER_DIR/server.log" -w -t 60 \
    -o "-p $port -k $PG_CLUSTER_DIR -c listen_addresses=127.0.0.1 -c max_connections=400 $fast" start >/dev/null \
    || { cat "$PG_CLUSTER_DIR/server.log" >&2; return 2; }
  export PG_CLUSTER_DIR PG_CLUSTER_PORT="$port"
  export RENJA_TEST_PG_URL="postgres://renja@127.0.0.1:$port/postgres"
}

pg_cluster_ctl() {
  local as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$(pg_cluster_bin)/pg_ctl" -D "$PG_CLUSTER_DIR/data" "$@"
}

pg_cluster_stop() {
  [ -n "${PG_CLUSTER_DIR:-}" ] && [ -d "$PG_CLUSTER_DIR" ] || return 0
  pg_cluster_ctl -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_CLUSTER_DIR"
}
