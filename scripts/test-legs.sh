#!/usr/bin/env bash
# make test: the whole suite on SQLite, then every database test again on PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres}"
# Tests run in parallel, one pytest-xdist worker per CPU (each worker has its own SQLite file or PostgreSQL
# database, and its own SMTP sink); TEST_WORKERS=0 runs them in one process. The long tests go first, one at a time
# (tests/conftest.py LONG_FIRST), so the workers run them side by side and the short ones fill in.
WORKERS="${TEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}"
PARALLEL=(-n "$WORKERS" --dist load --maxschedchunk 1)
# Bytecode (and pytest's rewritten test modules) is cached in __pycache__: compiling everything anew costs each
# worker and each server subprocess seconds.
unset PYTHONDONTWRITEBYTECODE
# What a test found wrong with the test machinery itself (tests/conftest.py), printed after the legs.
export PORTAL_TEST_DIAGNOSTICS="${TMPDIR:-/tmp}/portal-test-diagnostics-$$.txt"
rm -f "$PORTAL_TEST_DIAGNOSTICS"
start=$(date +%s)

echo "=================== SQLite leg: unit, API, integration, contract ==================="
leg_start=$(date +%s)
PORTAL_TEST_DATABASE=sqlite "$BIN/pytest" -q -p no:cacheprovider "${PARALLEL[@]}"
sqlite_rc=$?
sqlite_s=$(( $(date +%s) - leg_start ))

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
  leg_start=$(date +%s)
  PORTAL_TEST_DATABASE=postgresql PORTAL_TEST_POSTGRES_URL="$PG_URL" "$BIN/pytest" -q -p no:cacheprovider -m db \
    "${PARALLEL[@]}"
  pg_rc=$?
  pg_s=$(( $(date +%s) - leg_start ))
else
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! PostgreSQL leg SKIPPED: no server answers at ${PG_URL}"
  echo "!!! start one (see README) to run the database tests on PostgreSQL too"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  pg_rc=0
  pg_s=0
fi
if [ -s "$PORTAL_TEST_DIAGNOSTICS" ]; then
  echo "=================== test machinery diagnostics ==================="
  cat "$PORTAL_TEST_DIAGNOSTICS"
fi
echo "test legs: sqlite exit ${sqlite_rc} (${sqlite_s}s), postgresql exit ${pg_rc} (${pg_s}s), $(( $(date +%s) - start ))s in all"
[ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ]
