#!/usr/bin/env bash
# start-postgres.sh — start the Debian PostgreSQL cluster on 127.0.0.1 (if it
# is not running), make sure the offrecord test role and database exist, and
# print their connection URI. The database is made afresh on every call; its
# name is taken from the checkout's path, so two checkouts testing at the same
# time (a worktree and a clean clone) each get their own.
# Needs root (pg_ctlcluster, su).
# Used by `make test` for the bridge's Postgres test.
set -euo pipefail
checkout=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
db="offrecord_test_$(printf '%s' "$checkout" | sha256sum | cut -c1-12)"
cd /  # psql runs as the postgres user, who may not enter the caller's folder

die() { echo "start-postgres: error: $*" >&2; exit 1; }
command -v pg_lsclusters >/dev/null || die "PostgreSQL is not installed: run scripts/install-deps.sh"
read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1) || die "no PostgreSQL cluster found"
if [[ "$status" != online* ]]; then
	pg_ctlcluster "$version" "$cluster" start >&2 || die "could not start cluster $version/$cluster"
fi
psql_as_postgres() { su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -Atq $*"; }
if [[ "$(psql_as_postgres "-c \"SELECT 1 FROM pg_roles WHERE rolname = 'offrecord_test'\"")" != 1 ]]; then
	psql_as_postgres "-c \"CREATE ROLE offrecord_test LOGIN PASSWORD 'offrecord_test'\"" >&2
fi
psql_as_postgres "-c \"DROP DATABASE IF EXISTS $db\"" >&2
psql_as_postgres "-c \"CREATE DATABASE $db OWNER offrecord_test\"" >&2
echo "postgres://offrecord_test:offrecord_test@127.0.0.1:$port/$db?sslmode=disable"
