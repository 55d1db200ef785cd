#!/bin/sh
# demo.sh: build the example appliances, import them into the catalog, list and inspect them.
set -eu
: "${VIV:?}" "${BUILD:?}"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

sh "$(dirname "$0")/build.sh"
step "$VIV" import "$BUILD/examples/hello.viv"
step "$VIV" import "$BUILD/examples/busybox.viv"
step "$VIV" images
step "$VIV" inspect hello:1.0
step "$VIV" df
step "$VIV" fsck
