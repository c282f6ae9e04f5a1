# Shared by the tests in tests/node: how a check reports, and kubectl against the test bed.
# The sourcing script sets TESTBED and `failures=0`, and exits 1 when failures > 0.
pass() { printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }
note() { printf '     %s\n' "$*"; }
k() { "$TESTBED" kubectl "$@"; }
now_ms() { date +%s%3N; }
secs_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
