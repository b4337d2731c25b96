#!/usr/bin/env bash
# Restore test for the nightly PostgreSQL backup: dump DB with pg_dump -Fc (the nightly format), restore it into
# a scratch database with pg_restore, and compare the row count of every table and the migration head.
# Exit 0 only when the restored copy matches. Run it against a quiet database (or a replica): counts taken
# while the application writes may differ by the rows written in between.
#
#   deploy/pg_restore_test.sh [DB] [DUMP_FILE]       (defaults: licai_load, /tmp/DB.dump)
#   PGHOST / PGPORT / PGUSER as for psql (defaults 127.0.0.1, 5432, postgres)
set -euo pipefail
DB=${1:-licai_load}
DUMP=${2:-/tmp/$DB.dump}
SCRATCH=${DB}_restore_test
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
q() { psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
now() { date +%s.%N; }

t0=$(now)
pg_dump -Fc -Z 6 -d "$DB" -f "$DUMP"
t1=$(now)
dropdb --if-exists "$SCRATCH" 2>/dev/null
createdb "$SCRATCH"
trap 'dropdb --if-exists "$SCRATCH"' EXIT
pg_restore --exit-on-error --no-owner --jobs 2 -d "$SCRATCH" "$DUMP"
t2=$(now)

tables=$(q "$DB" "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
bad=0; rows=0; n=0
for t in $tables; do
  a=$(q "$DB" "SELECT COUNT(*) FROM \"$t\"")
  b=$(q "$SCRATCH" "SELECT COUNT(*) FROM \"$t\"" 2>/dev/null || echo missing)
  n=$((n + 1)); rows=$((rows + a))
  if [ "$a" != "$b" ]; then echo "MISMATCH $t: $a rows in $DB, $b in the restored copy"; bad=1; fi
done
head_a=$(q "$DB" "SELECT version_num FROM alembic_version")
head_b=$(q "$SCRATCH" "SELECT version_num FROM alembic_version")
[ "$head_a" = "$head_b" ] || { echo "MISMATCH alembic_version: $head_a vs $head_b"; bad=1; }
size=$(du -h "$DUMP" | cut -f1)
dbsize=$(q "$DB" "SELECT pg_size_pretty(pg_database_size('$DB'))")
printf 'pg_dump %s (%s) -> %s in %.1f s; pg_restore into %s in %.1f s\n' "$DB" "$dbsize" "$size" \
  "$(echo "$t1 - $t0" | bc)" "$SCRATCH" "$(echo "$t2 - $t1" | bc)"
if [ "$bad" = 0 ]; then
  echo "restore test passed: $n tables, $rows rows, migration head $head_a — identical counts"
else
  echo "restore test FAILED"; exit 1
fi
