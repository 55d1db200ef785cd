#!/bin/sh
# run.sh: import speed as ratios against `tar -x` of the same archive into the same filesystem,
# measured in one run. Prints one line per measurement; asserts nothing.
set -eu
: "${VIV:?}" "${FIXTURES:?}"
W=$(mktemp -d "${BENCH_DIR:-/var/tmp}/viv-bench.XXXXXX")
FS=""
cleanup() {
    [ -n "$FS" ] && umount "$FS" 2>/dev/null
    rm -f "/dev/shm/viv-bench-$$.img"
    chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"
}
trap cleanup EXIT
export VIV_HOME="$W/home"

now() { date +%s%N; }
# Time one run of "$@ run" after "$@ pre", in microseconds. The root filesystem here is mounted
# with online discard: freeing what a previous run wrote stalls the device for a while, so each
# run starts after a sync and a pause, and the tools take turns (best of N each) so that neither
# always runs in the other's wake. For the many-file tree, nothing is deleted right before a
# timed run either (FRESH): every run writes into a folder of its own, removed at the end. On
# ext4, files created just after thousands were deleted nearby cost several times more (the inode
# allocator skips recently freed inodes, reading their inode table blocks): that measured the
# previous run's deletion, not the tool. The single file creates one inode; its runs replace the
# previous run's output as they always did.
once() {
    "$@" pre
    sync
    sleep "${BENCH_SETTLE:-1}"
    t0=$(now)
    "$@" run
    t1=$(now)
    echo $(((t1 - t0) / 1000))
}
min() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f ms", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

# `once` runs in a subshell: what pre sets, run sees; the caller does not.
tar_x() { # pre|run
    if [ "$1" = pre ]; then
        if [ -n "$FRESH" ]; then X=$(mktemp -d "$D/x.XXXXXX"); else X=$D/x; rm -rf "$X"; mkdir -p "$X"; fi
    else
        tar -xf "$ARCHIVE" -C "$X"
    fi
}
viv_import() { # leaves the name of its catalog in $W/last-home for viv_reimport
    if [ "$1" = pre ]; then
        if [ -n "$FRESH" ]; then
            VIV_HOME=$(mktemp -d "$D/h.XXXXXX")/home
        else
            VIV_HOME=$D/home
            chmod -R u+w "$VIV_HOME" 2>/dev/null || true; rm -rf "$VIV_HOME"
        fi
        echo "$VIV_HOME" >"$W/last-home"
    else
        "$VIV" import -q "$ARCHIVE" >/dev/null
    fi
}
viv_reimport() { # right after viv_import: the image is there
    if [ "$1" = pre ]; then VIV_HOME=$(cat "$W/last-home"); else "$VIV" import -q "$ARCHIVE" >/dev/null; fi
}

echo "vivarium bench: import against tar -x (best of ${BENCH_ROUNDS:-3}, taking turns, same filesystem: $(df -T "$W" | awk 'NR==2 {print $2}'))"
"$FIXTURES/mktar" bigfile "$W/big.viv" 300 >/dev/null
"$FIXTURES/mktar" manyfiles "$W/many.viv" 5000 >/dev/null
ROUNDS=${BENCH_ROUNDS:-3}
# The many-file tree on a new ext4 of its own (a file in /dev/shm, loop-mounted; root only): on a
# filesystem that has seen thousands of files deleted, creating files costs what the allocator's
# state makes it, which swung both tools' times from 0.1 to 2.5 s from one run to the next here.
# The same tree on the bench folder's filesystem follows, for information.
cases="big many"
if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null 2>&1 &&
    truncate -s 2G "/dev/shm/viv-bench-$$.img" 2>/dev/null &&
    mkfs.ext4 -q -F "/dev/shm/viv-bench-$$.img" >/dev/null 2>&1 && mkdir -p "$W/fs" &&
    mount -o loop "/dev/shm/viv-bench-$$.img" "$W/fs" 2>/dev/null; then
    FS=$W/fs
    cases="big many many-here"
fi
for a in $cases; do
    ARCHIVE=$W/${a%-here}.viv
    D=$W
    case $a in many) FRESH=1; [ -n "$FS" ] && D=$FS ;; many-here) FRESH=1 ;; *) FRESH= ;; esac
    t_tar="" t_imp="" t_re=""
    for _ in $(seq "$ROUNDS"); do
        t_tar=$(min "$t_tar" "$(once tar_x)")
        t_imp=$(min "$t_imp" "$(once viv_import)")
        t_re=$(min "$t_re" "$(once viv_reimport)")
    done
    case $a in
    big) label="300 MiB single file" ;;
    many) label="5,000-file tree${FS:+ (a new ext4)}" ;;
    *) label="5,000-file tree (the bench folder's $(df -T "$W" | awk 'NR==2 {print $2}'), for information)" ;;
    esac
    echo "import $label: tar -x $(ms "$t_tar"), viv import $(ms "$t_imp") = $(ratio "$t_imp" "$t_tar") of tar (target <= 1.3x)"
    echo "re-import $label: $(ms "$t_re") = $(ratio "$t_re" "$t_imp") of the first import (target <= 0.5x)"
done

# A second image (another manifest) sharing the 300 MiB file adds no copy of it.
chmod -R u+w "$VIV_HOME" 2>/dev/null || true; rm -rf "$VIV_HOME" "$W/x"
mkdir -p "$W/x" && tar -xf "$W/big.viv" -C "$W/x"
sed 's/"vivarium"/"env": ["SECOND=1"], "vivarium"/' "$W/x/manifest.json" > "$W/x/m" && mv "$W/x/m" "$W/x/manifest.json"
mkdir -p "$W/x/rootfs/bin" && cp /bin/true "$W/x/rootfs/bin/true" 2>/dev/null || true
"$VIV" build "$W/x" -o "$W/big2.viv" >/dev/null
"$VIV" import -q "$W/big.viv" >/dev/null
before=$(du -sk "$VIV_HOME" | cut -f1)
"$VIV" import -q "$W/big2.viv" >/dev/null
after=$(du -sk "$VIV_HOME" | cut -f1)
echo "second image sharing the 300 MiB file: catalog grew by $((after - before)) KiB (target: no copy)"

# Checkout of a 5,000-file image, as the catalog's trace reports it.
chmod -R u+w "$VIV_HOME" 2>/dev/null || true; rm -rf "$VIV_HOME"
"$VIV" --trace=img import -q "$W/many.viv" 2>&1 >/dev/null | grep -i checkout || echo "checkout time: not traced"
