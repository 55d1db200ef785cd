# t_vm_basic.sh: vm mode: an unusable /dev/kvm is refused in one line (exit 125); where KVM works
# (here, or inside the qemu machine of tests/kvm-host/run, one boot for the whole suite and one
# with two CPUs for its threads) the payloads of tests/vm-payloads run with Linux's statuses,
# signals and EFAULTs.
fresh
VMP=$(dirname "$FIXTURES")/vm-payloads

# The images: the hello example, and the payload appliance with files for the path tests.
mkdir -p "$WORK/hello/rootfs/bin" "$WORK/vmt/rootfs/bin" "$WORK/vmt/rootfs/etc" "$WORK/expect"
cp "$SRCDIR/examples/hello/manifest.json" "$WORK/hello/"
${CC:-gcc} -static -O2 -o "$WORK/hello/rootfs/bin/hello" "$SRCDIR/examples/hello/hello.c"
cp "$VMP/vmtest" "$WORK/vmt/rootfs/bin/vmtest"
cp "$VMP/vmthreads" "$WORK/vmt/rootfs/bin/vmthreads"
cp "$VMP/vmshim" "$WORK/vmt/rootfs/bin/vmshim"
cp "$VMP/vmcalls" "$WORK/vmt/rootfs/bin/vmcalls"
cp "$(dirname "$FIXTURES")/payloads/escape" "$WORK/vmt/rootfs/bin/escape"
echo "a message inside the image" >"$WORK/vmt/rootfs/etc/vm-msg"
ln -s /etc/vm-msg "$WORK/vmt/rootfs/etc/vm-link"
ln -s ../../../../../../etc/passwd "$WORK/vmt/rootfs/etc/escape"
echo "root:x:0:0:vm-image:/:/bin/sh" >"$WORK/vmt/rootfs/etc/passwd"
cat >"$WORK/vmt/manifest.json" <<'JSON'
{"vivarium": 1, "name": "vmt", "arch": "x86_64", "entrypoint": ["/bin/vmtest"], "cmd": [],
 "env": ["PATH=/bin"], "workdir": "/", "modes": ["native", "vm"],
 "resources": {"memory": "64M", "timeout": "1m"}}
JSON
"$VIV" build "$WORK/hello" -o "$WORK/hello.viv" >/dev/null 2>&1 &&
    "$VIV" build "$WORK/vmt" -o "$WORK/vmt.viv" >/dev/null 2>&1 &&
    "$VIV" import "$WORK/hello.viv" >/dev/null 2>&1 && "$VIV" import "$WORK/vmt.viv" >/dev/null 2>&1 ||
    fail "vm: building the test images" "viv build/import failed"

# An unusable /dev/kvm: one line, exit 125, with what fixes it.
if [ -d /sys/module/kvm_pvm ] && [ -e /dev/kvm ]; then
    expect_err "vm: /dev/kvm served by kvm_pvm is refused in one line (exit 125)" 125 \
        "viv: run: /dev/kvm is served by kvm_pvm, which cannot run vivarium's guests (it runs only PVM-aware kernels): vm mode needs AMD SVM or Intel VT-x, on bare metal or nested" \
        "$VIV" run --mode vm hello:1.0
elif [ ! -e /dev/kvm ]; then
    run "$VIV" run --mode vm hello:1.0
    if [ "$status" = 125 ] && contains "$errout" "/dev/kvm: not found" &&
        [ "$(printf '%s\n' "$errout" | wc -l)" = 1 ]; then
        pass "vm: a missing /dev/kvm is refused in one line (exit 125)"
    else
        fail "vm: a missing /dev/kvm is refused in one line (exit 125)" "exit $status: $errout"
    fi
fi

# What the payloads print natively, for the suite to compare with.
"$VIV" run --mode native hello:1.0 a "b c" >"$WORK/expect/hello" 2>/dev/null ||
    fail "vm: native run of hello for the expected output" "exit $?"
"$VMP/vmtest" malloc >"$WORK/expect/malloc"
# The signal cases print what they saw of their frames: natively, Linux's own frames.
for c in sig-segv-jmp sig-fix sig-fpe sig-ill-once sig-trap sig-mask sig-rt-queue sig-altstack sig-fpu sig-fast-loop; do
    sh -c 'ulimit -c 0; exec "$1" "$2"' sh "$VMP/vmtest" $c >"$WORK/expect/$c" 2>/dev/null
done 2>/dev/null
# The calls the shim answers: Linux's answers.
"$VMP/vmshim" poll >"$WORK/expect/shim-poll" 2>/dev/null
"$VMP/vmshim" brk >"$WORK/expect/shim-brk" 2>/dev/null
# Dispositions as an instance starts with them, whatever this shell ignores (a background job
# ignores SIGINT and SIGQUIT).
"$VIV" run --mode native --entrypoint /bin/vmshim vmt sigaction >"$WORK/expect/shim-sigaction" 2>/dev/null
"$VMP/vmshim" threads >"$WORK/expect/shim-threads" 2>/dev/null
"$VMP/vmshim" random >"$WORK/expect/shim-random" 2>/dev/null
"$VMP/vmshim" fs >"$WORK/expect/shim-fs" 2>/dev/null
for c in heap mprotect limits name sigmask; do
    "$VMP/vmshim" $c >"$WORK/expect/shim-$c" 2>/dev/null
done
# The calls beyond the basics (tests/riscv/calls.c): what a native instance gets.
"$VIV" run --mode native --entrypoint /bin/vmcalls vmt >"$WORK/expect/calls" 2>/dev/null
# Threads: what contended mutexes, TLS, joins and pthread_kill come to natively.
for c in mutex-cond pthread-kill library-signals; do
    "$VMP/vmthreads" $c >"$WORK/expect/threads-$c" 2>/dev/null
done
printf '%s\n' "/etc/vm-msg: a message inside the image" \
    "../../../../etc/vm-msg: a message inside the image" \
    "/etc/vm-link: a message inside the image" "escape reads the image's passwd: yes" \
    >"$WORK/expect/files"

# Where the suite can run: here when this host's KVM works, else in the qemu machine.
suite_env="VIV=$VIV VIV_HOME=$VIV_HOME EXPECT=$WORK/expect"
if "$VIV" run --mode vm vmt exit 0 >/dev/null 2>&1; then
    run env $suite_env sh "$SRCDIR/tests/vm-payloads/vm_suite.sh"
    where="this host's KVM"
elif ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
    skip "vm: payload suite" "no usable /dev/kvm and no qemu-system-x86_64 (apt-get install qemu-system-x86 linux-image-amd64)"
    status=skip
elif ! ls /lib/modules/*/kernel/arch/x86/kvm/kvm-amd.ko* >/dev/null 2>&1; then
    skip "vm: payload suite" "no usable /dev/kvm and no Debian kernel with kvm-amd (apt-get install linux-image-amd64)"
    status=skip
else
    # The machine mounts its own /tmp: a checkout that lives there is shared in explicitly.
    src_share=""
    case $SRCDIR in /tmp/* | /run/* | /var/run/*) src_share="--share $SRCDIR" ;; esac
    run "$SRCDIR/tests/kvm-host/run" --share "$WORK" $src_share env $suite_env sh "$SRCDIR/tests/vm-payloads/vm_suite.sh"
    where="the kvm-host machine"
fi
# count_suite WHERE: a pass or fail per line of the suite's output in $out, and one fail when it
# did not reach its end.
count_suite() {
    n=0
    while IFS= read -r line; do
        case $line in
        "ok "*) pass "vm ($1): ${line#ok }"; n=$((n + 1)) ;;
        "FAIL "*) line=${line#FAIL }; fail "vm ($1): ${line%%: *}" "${line#*: }"; n=$((n + 1)) ;;
        "SKIP "*) line=${line#SKIP }; skip "vm ($1): ${line%%: *}" "${line#*: }" ;;
        esac
    done <<EOF_SUITE
$out
EOF_SUITE
    case $out in *"end of suite"*) ;; *) fail "vm: payload suite ran to its end in $1" "it stopped early: exit $status; stderr: $(printf '%s' "$errout" | tail -3)" ;; esac
    [ "$n" -gt 0 ] || fail "vm: payload suite ran in $1" "exit $status; stderr: $(printf '%s' "$errout" | tail -5)"
}
if [ "$status" != skip ]; then
    count_suite "$where"
    # The machine has one CPU, so a guest's threads have not yet run at the same time: their
    # cases again with two.
    if [ "$where" = "the kvm-host machine" ]; then
        run env VIV_KVM_HOST_CPUS=2 "$SRCDIR/tests/kvm-host/run" --share "$WORK" $src_share \
            env $suite_env VM_SUITE_PART=smp sh "$SRCDIR/tests/vm-payloads/vm_suite.sh"
        count_suite "the kvm-host machine, two CPUs"
    fi
fi
