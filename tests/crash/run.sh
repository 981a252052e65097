#!/usr/bin/env bash
# The crash test (tests/src/test/java/org/lumbarcds/tests/CrashLoad.java): the server jar under a
# mixed load from four clients (FHIR creates and updates, orders with their three views through
# STOW-RS completed with JSON Patch, CDS Hooks feedback), killed with SIGKILL at a random moment
# (3 to 15 s into each load) KILLS times; after each restart every write answered 2xx must be there
# at its version, every stored instance complete, every completed order analysed exactly once.
# Loopback only; it stops by itself. About a minute per kill (a restart is most of it).
#
#   tests/crash/run.sh [h2|postgres] [KILLS] [SEED]      (default: h2 20)
#
# Needs the project built (mvn install -DskipTests); postgres needs Debian's postgresql package
# (a throw-away cluster is made, tests/smoke/pg-cluster.sh). The report is printed and written to
# tests/target/crash-load-<database>.txt; the servers' logs stay in the test's temporary folder
# when it fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
database=${1:-h2}
kills=${2:-20}
seed=${3:-$RANDOM$RANDOM}
case "$database" in
  h2) test=CrashLoadTest ;;
  postgres) test=PostgresCrashLoadTest ;;
  *) echo "usage: $0 [h2|postgres] [KILLS] [SEED]" >&2; exit 2 ;;
esac
echo "crash test on $database: $kills kills, seed $seed"
mvn -q -pl tests test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtests.excludedGroups= -Dcrash.kills="$kills" -Dcrash.seed="$seed"
cat "tests/target/crash-load-$database.txt"
