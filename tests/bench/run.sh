#!/bin/sh
# run.sh: every benchmark, each measured as a ratio against the tool users would pick instead,
# in the same run. Asserts nothing.
set -u
dir=$(dirname "$0")
status=0
for b in import launch xlat vm; do
    echo
    sh "$dir/$b.sh" || status=1
done
exit $status
