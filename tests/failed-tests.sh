#!/usr/bin/env bash
# Prints the failed tests of a `dotnet test` console log (verbosity minimal), details first and a short list
# last, so that the tail of a CI log names what failed and why.
set -uo pipefail
log="${1:?usage: failed-tests.sh <dotnet-test-log>}"
echo
echo "==== failed tests, details (from $log):"
grep -E -A 14 '^[[:space:]]+Failed [A-Za-z]' "$log" | cut -c1-300 | head -n 150
echo
echo "==== test projects:"
grep -E '^(Failed!|Passed!)|Test Run Aborted|The active test run was aborted|Test host process crashed' "$log" | cut -c1-200
echo "==== failed tests (first line of each message):"
awk '
  /^[[:space:]]+Failed [A-Za-z]/ { name = $0; sub(/^[[:space:]]+Failed /, "", name); want = 1; next }
  want == 1 && /Error Message:/ { want = 2; next }
  want == 2 && NF > 0 { msg = $0; sub(/^[[:space:]]+/, "", msg); print "  " name " :: " substr(msg, 1, 220); want = 0 }
' "$log"
