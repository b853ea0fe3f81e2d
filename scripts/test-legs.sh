#!/usr/bin/env bash
# make test: the whole suite on SQLite, then every database test again on PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres}"
start=$(date +%s)

echo "=================== SQLite leg: unit, API, integration, contract ==================="
PORTAL_TEST_DATABASE=sqlite "$BIN/pytest" -q -p no:cacheprovider
sqlite_rc=$?

if "$BIN/python" - "$PG_URL" <<'PY'
import asyncio, sys
import asyncpg
url = sys.argv[1].replace("postgresql+asyncpg://", "postgresql://")
async def main():
    conn = await asyncpg.connect(url, timeout=3)
    await conn.close()
try:
    asyncio.run(main())
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "=================== PostgreSQL leg: API and integration tests ==================="
  PORTAL_TEST_DATABASE=postgresql PORTAL_TEST_POSTGRES_URL="$PG_URL" "$BIN/pytest" -q -p no:cacheprovider -m db
  pg_rc=$?
else
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! PostgreSQL leg SKIPPED: no server answers at ${PG_URL}"
  echo "!!! start one (see README) to run the database tests on PostgreSQL too"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  pg_rc=0
fi
echo "test legs: sqlite exit ${sqlite_rc}, postgresql exit ${pg_rc}, $(( $(date +%s) - start ))s in all"
[ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ]
