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
