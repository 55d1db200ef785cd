#!/bin/sh
# run.sh: import speed as ratios against `tar -x` of the same archive into the same filesystem,
# measured in one run. Prints one line per measurement; asserts nothing.
set -eu
: "${VIV:?}" "${FIXTURES:?}"
W=$(mktemp -d "${BENCH_DIR:-/var/tmp}/viv-bench.XXXXXX")
trap 'chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"' EXIT
export VIV_HOME="$W/home"

now() { date +%s%N; }
# best of N: the least disturbed run says most about the code.
best() {
    n=$1
    shift
    b=""
    for _ in $(seq "$n"); do
        "$@" pre
        t0=$(now)
        "$@" run
        t1=$(now)
        t=$(((t1 - t0) / 1000))
        if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
    done
    echo "$b"
}
ms() { awk -v u="$1" 'BEGIN { printf "%.1f ms", u / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

tar_x() { # pre|run
    if [ "$1" = pre ]; then rm -rf "$W/x"; mkdir -p "$W/x"; sync; else tar -xf "$ARCHIVE" -C "$W/x"; fi
}
viv_import() {
    if [ "$1" = pre ]; then chmod -R u+w "$VIV_HOME" 2>/dev/null || true; rm -rf "$VIV_HOME"; sync; else "$VIV" import -q "$ARCHIVE" >/dev/null; fi
}
viv_reimport() {
    if [ "$1" = pre ]; then sync; else "$VIV" import -q "$ARCHIVE" >/dev/null; fi
}

echo "vivarium bench: import against tar -x (best of 3, same filesystem: $(df -T "$W" | awk 'NR==2 {print $2}'))"
"$FIXTURES/mktar" bigfile "$W/big.viv" 300 >/dev/null
"$FIXTURES/mktar" manyfiles "$W/many.viv" 5000 >/dev/null
for a in big many; do
    ARCHIVE=$W/$a.viv
    t_tar=$(best 3 tar_x)
    t_imp=$(best 3 viv_import)
    t_re=$(best 3 viv_reimport)
    case $a in big) label="300 MiB single file" ;; *) label="5,000-file tree" ;; esac
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
