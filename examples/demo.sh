#!/bin/sh
# demo.sh: build the example appliances, import them into the catalog, list, inspect and run them.
set -eu
: "${VIV:?}" "${BUILD:?}"
if [ -t 1 ]; then bold='\033[1m' plain='\033[0m'; else bold='' plain=''; fi
# step CMD...: show CMD as it would be typed (arguments with blanks or quotes in single quotes),
# then run it.
step() {
    shown=""
    for a in "$@"; do
        case $a in
        *[[:space:]\"\'\$\;\|\&\(\)\<\>]*) a="'$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'" ;;
        esac
        shown="$shown${shown:+ }$a"
    done
    printf "\n${bold}\$ %s${plain}\n" "$shown"
    "$@"
}

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
# The same image in a KVM micro-VM: where this host's /dev/kvm cannot run it, viv says why in one
# line (the README's "vm mode" says how it is tested there).
step "$VIV" run --mode vm hello:1.0 || true
step "$VIV" run --stats busybox sh -c 'echo "in $(hostname) as $(id -un), pid $$"; ls /; ps'
# A riscv64 appliance runs translated (mode xlat), in the same sandbox.
if [ -f "$BUILD/examples/hello-riscv64.viv" ]; then
    step "$VIV" run --verbose --limits=best-effort "$BUILD/examples/hello-riscv64.viv" from riscv64
    step "$VIV" run "$BUILD/examples/hello-riscv64-dyn.viv" dynamically linked
fi
# A CI job: the C build appliance (Debian's gcc and make) builds a checked-out workspace bound in
# at /src; what it builds comes back through the bind.
sh "$(dirname "$0")/build-cc.sh"
step "$VIV" import "$BUILD/examples/cc.viv"
ws=$BUILD/examples/workspace
rm -rf "$ws" && mkdir -p "$ws" && cp "$(dirname "$0")/hello/hello.c" "$ws/"
printf 'test: hello\n\t./hello from-ci\nhello: hello.c\n\tgcc -O2 -Wall -o hello hello.c\n' > "$ws/Makefile"
step "$VIV" run --rm -v "$ws:/src" -w /src --timeout 1800 --memory 2G --pids-limit 512 \
    --limits=best-effort cc make test
step ls -l "$ws/hello"
# A Debian 12 appliance from debootstrap: dynamic glibc programs, bash, perl and python3.
sh "$(dirname "$0")/build-debian.sh"
if [ -f "$BUILD/examples/debian.viv" ]; then
    step "$VIV" import "$BUILD/examples/debian.viv"
    step "$VIV" run debian sh -c 'cat /etc/debian_version; ls /usr/bin | wc -l; echo "a b c" | awk "{ print \$2 }"; python3 -c "import sys; print(sys.version.split()[0])"'
fi
