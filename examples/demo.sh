#!/bin/sh
# demo.sh: build the example appliances, import them into the catalog, list and inspect them.
set -eu
: "${VIV:?}" "${BUILD:?}"
if [ -t 1 ]; then bold='\033[1m' plain='\033[0m'; else bold='' plain=''; fi
step() { printf "\n${bold}\$ %s${plain}\n" "$*"; "$@"; }

sh "$(dirname "$0")/build.sh"
step "$VIV" import "$BUILD/examples/hello.viv"
step "$VIV" import "$BUILD/examples/busybox.viv"
step "$VIV" images
step "$VIV" inspect hello:1.0
step "$VIV" df
step "$VIV" fsck

# Run them (native mode). --limits=best-effort: hello's manifest asks for memory and pids
# limits, which a host without usable cgroups can only partly honour; viv says which.
step "$VIV" run --limits=best-effort hello:1.0
step "$VIV" run --stats busybox sh -c 'echo "in $(hostname) as $(id -un), pid $$"; ls /; ps'
# A CI-style job: the workspace is bound in, the job's output comes back through the bind.
ws=$BUILD/examples/workspace
rm -rf "$ws" && mkdir -p "$ws" && cp "$(dirname "$0")/hello/hello.c" "$ws/"
step "$VIV" run --rm -v "$ws:/src" -w /src --timeout 60 --memory 64M --pids-limit 64 \
    --limits=best-effort busybox sh -c 'sha256sum *.c > SUMS && wc -l hello.c'
step cat "$ws/SUMS"
