# t_run_basic.sh: viv run in native mode: what runs, with what environment, and the exit statuses.
fresh
. "$SRCDIR/tests/payloads/run-setup.sh"
BUILD=$WORK sh "$SRCDIR/examples/build.sh" >"$WORK/build.log" 2>&1

# hello's manifest asks for memory and pids limits, which need root's cgroups on this host.
LIM=
[ "$(id -u)" = 0 ] || LIM=--limits=best-effort
run "$VIV" run $LIM "$WORK/examples/hello.viv"
if [ "$status" = 0 ] && contains "$out" "hello from vivarium: pid 1 on hello"; then pass "run FILE.viv imports and runs it"; else fail "run FILE.viv imports and runs it" "$status $out $errout"; fi
# A file not named .viv: viv's entry point takes it for an image name and starts an instance
# before main, which then finds a file to import and kills it unused.
cp "$WORK/app.viv" "$WORK/app-appliance"
run "$VIV" run "$WORK/app-appliance" 'echo imported; echo $$'
if [ "$status" = 0 ] && [ "$out" = "imported
1" ]; then pass "run FILE without .viv imports and runs it"; else fail "run FILE without .viv imports and runs it" "$status $out $errout"; fi
expect "run by name" 0 "$VIV" run $LIM hello:1.0
expect "run by id prefix" 0 "$VIV" run $LIM "$("$VIV" images -q | head -n 1 | cut -c1-12)"
expect_err "run of a missing image" 125 "viv: run: no image 'nothere:latest'" "$VIV" run nothere

run "$VIV" run app
if [ "$status" = 0 ] && [ "$out" = hello ]; then pass "the manifest's entrypoint and cmd"; else fail "the manifest's entrypoint and cmd" "$out $errout"; fi
run "$VIV" run app 'echo "$0" "$@"' a 'b c'
if [ "$out" = "echo \"\$0\" \"\$@\" a b c" ] || [ "$out" = "a b c" ]; then pass "CMD replaces cmd and keeps its arguments"; else fail "CMD replaces cmd and keeps its arguments" "$out"; fi
run "$VIV" run --entrypoint /bin/echo app one two
if [ "$out" = "one two" ]; then pass "--entrypoint replaces the entrypoint"; else fail "--entrypoint replaces the entrypoint" "$out"; fi
# A bare image name is the catalog's even beside a file of that name in the working directory.
mkdir -p "$WORK/shadow" && echo not-an-image > "$WORK/shadow/app"
run sh -c "cd '$WORK/shadow' && '$VIV' run app 'echo from-catalog'"
if [ "$status" = 0 ] && [ "$out" = from-catalog ]; then pass "a bare name is the catalog's, whatever files the working directory holds"; else fail "a bare name is the catalog's, whatever files the working directory holds" "$status $out $errout"; fi
# An empty one clears the image's (app's is /bin/sh -c): the command runs by itself.
run "$VIV" run --entrypoint '' app /bin/echo one two
if [ "$out" = "one two" ]; then pass "--entrypoint '' clears the entrypoint"; else fail "--entrypoint '' clears the entrypoint" "$status $out $errout"; fi
run "$VIV" run --entrypoint '["/bin/sh","-c","echo \"$0|$1\""]' app 'a b' c
if [ "$out" = "a b|c" ]; then pass "--entrypoint takes a JSON array, as podman does"; else fail "--entrypoint takes a JSON array, as podman does" "$status $out $errout"; fi
run "$VIV" run --entrypoint '[]' app /bin/echo cleared
if [ "$out" = cleared ]; then pass "--entrypoint '[]' clears the entrypoint"; else fail "--entrypoint '[]' clears the entrypoint" "$status $out $errout"; fi
expect_err "--entrypoint '' with no command is refused" 125 "viv: run: --entrypoint '': cleared, and no command given after the image" "$VIV" run --entrypoint '' app
# Without an entrypoint, as in an OCI image, cmd is the program and a given command replaces it.
mkdir -p "$WORK/cmdonly" && cp -a "$WORK/app/rootfs" "$WORK/cmdonly/rootfs"
printf '{"vivarium":1,"name":"cmdonly","arch":"x86_64","cmd":["sh","-c","echo from cmd"],"env":["PATH=/bin"]}\n' \
    > "$WORK/cmdonly/manifest.json"
"$VIV" build "$WORK/cmdonly" -o "$WORK/cmdonly.viv" >/dev/null 2>&1
"$VIV" import -q "$WORK/cmdonly.viv" >/dev/null 2>&1
run "$VIV" run cmdonly
if [ "$out" = "from cmd" ]; then pass "no entrypoint: cmd is the program"; else fail "no entrypoint: cmd is the program" "$status $out $errout"; fi
run "$VIV" run cmdonly echo replaced
if [ "$out" = "replaced" ]; then pass "no entrypoint: CMD is the program"; else fail "no entrypoint: CMD is the program" "$status $out $errout"; fi
printf '{"vivarium":1,"name":"noprog","arch":"x86_64"}\n' > "$WORK/cmdonly/manifest.json"
expect_err "a manifest with neither entrypoint nor cmd is refused" 125 \
    "viv: build: $WORK/cmdonly/manifest.json: no program: 'entrypoint' and 'cmd' are both empty or absent" \
    "$VIV" build "$WORK/cmdonly" -o "$WORK/noprog.viv"
expect_err "an empty command is refused" 125 "viv: run: the command must not be empty" "$VIV" run cmdonly ""
run "$VIV" run app 'echo $0' --not-a-viv-flag
if [ "$status" = 0 ] && [ "$out" = "echo \$0" ] || [ "$out" = "--not-a-viv-flag" ]; then pass "options end at the image"; else fail "options end at the image" "$status $out $errout"; fi

expect "the guest's exit status" 3 "$VIV" run app 'exit 3'
# The entrypoint is pid 1, which only a fault's signal kills from inside; under --init it is
# pid 2, which any signal kills.
expect "killed by a signal: 128+N" 139 "$VIV" run --entrypoint /bin/escape app segv
expect "--init: killed by a signal: 128+N" 137 "$VIV" run --init app 'kill -9 $$'
expect_err "entrypoint not found: 127" 127 "viv: run: exec '/bin/nope': No such file or directory" "$VIV" run --entrypoint /bin/nope app
expect_err "command not on PATH: 127" 127 "viv: run: exec 'nope': not found on PATH (/bin)" "$VIV" run --entrypoint nope app
expect_err "entrypoint not executable: 126" 126 "viv: run: exec '/etc/passwd': Permission denied" "$VIV" run --entrypoint /etc/passwd app
expect_err "entrypoint is a directory: 126" 126 "viv: run: exec '/etc': Is a directory" "$VIV" run --entrypoint /etc app
expect_err "a bad flag is a usage error" 125 "viv: run: --network 'bridge': expected none or host" "$VIV" run --network bridge app
run "$VIV" run --mode vm app true
if [ "$status" = 125 ] && [ "$(printf '%s\n' "$errout" | wc -l)" = 1 ] && contains "$errout" "viv: run: "; then
    pass "mode vm without a usable /dev/kvm: one line, exit 125"
elif [ "$status" = 0 ]; then
    pass "mode vm runs where /dev/kvm is usable"
else
    fail "mode vm: one line or a run" "status $status: $errout"
fi
expect_err "mode xlat translates foreign images only" 125 "viv: run: mode xlat cannot run app (x86_64): only riscv64 images can be translated" "$VIV" run --mode xlat app
expect "--mode native" 0 "$VIV" run --mode native app true
run "$VIV" run --verbose app true
# VIV_MODE (the default of --mode) runs this whole file in another mode.
chosen="viv: run: mode native: auto: an x86_64 image on an x86_64 host"
[ -n "${VIV_MODE:-}" ] && chosen="viv: run: mode $VIV_MODE: asked for with VIV_MODE"
if contains "$errout" "$chosen" && contains "$errout" "viv: run: root: overlayfs"; then pass "--verbose says which mode and why"; else fail "--verbose says which mode and why" "$errout"; fi
expect "--rm is accepted" 0 "$VIV" run --rm app true
run sh -c "echo piped | '$VIV' run -e=FOO=bar -w=/tmp -i=false -m=0 app 'echo \"\$FOO \$(pwd)\"; cat'"
if [ "$status" = 0 ] && [ "$out" = "bar /tmp" ]; then pass "short options take podman's =VALUE (-e=K=V, -w=DIR, -i=false, -m=0)"; else fail "short options take podman's =VALUE" "$status $out $errout"; fi
expect "run --help" 0 "$VIV" run --help

# Environment.
run "$VIV" run -e FOO=bar -e PATH=/bin:/usr/bin app 'echo "$FOO $PATH $HOSTNAME $HOME"'
if [ "$out" = "bar /bin:/usr/bin app /root" ]; then pass "-e sets and overrides; HOSTNAME is set"; else fail "-e sets and overrides; HOSTNAME is set" "$out"; fi
printf '# comment\nA=1\n\nB=two words\n' > "$WORK/env"
run "$VIV" run --env-file "$WORK/env" -e A=3 app 'echo "$A|$B"'
if [ "$out" = "3|two words" ]; then pass "--env-file, later -e wins"; else fail "--env-file, later -e wins" "$out"; fi
run "$VIV" run -e A=3 --env-file "$WORK/env" app 'echo "$A|$B"'
if [ "$out" = "3|two words" ]; then pass "-e wins over --env-file, as in podman, whatever their order"; else fail "-e wins over --env-file, as in podman, whatever their order" "$out"; fi
printf 'A=1\nexport B=2\n' > "$WORK/env-sh"
expect_err "--env-file: a name with blanks (a shell script's export) is refused" 125 "viv: run: --env-file $WORK/env-sh: line 2: -e 'export B': a variable's name has no blanks" "$VIV" run --env-file "$WORK/env-sh" app true
VIV_PASSED=through run "$VIV" run -e VIV_PASSED app 'echo "$VIV_PASSED"'
if [ "$out" = "through" ]; then pass "-e K passes the caller's value"; else fail "-e K passes the caller's value" "$out"; fi
# (The proxy variables come through, as podman passes them: a CI host's own are left out.)
noproxy="env -u http_proxy -u https_proxy -u ftp_proxy -u no_proxy -u HTTP_PROXY -u HTTPS_PROXY -u FTP_PROXY -u NO_PROXY"
run $noproxy "$VIV" run app 'env | sort | cut -d= -f1 | tr "\n" " "'
if [ "$out" = "HOME HOSTNAME PATH PWD SHLVL TERM " ]; then pass "nothing of the caller's environment leaks in"; else fail "nothing of the caller's environment leaks in" "$out"; fi
run $noproxy http_proxy=http://proxy:3128 NO_PROXY=localhost VIV_SECRET=x "$VIV" run app 'echo "$http_proxy $NO_PROXY ${VIV_SECRET:-unset}"'
r1=$out
run $noproxy http_proxy=http://proxy:3128 "$VIV" run --http-proxy=false app 'echo "${http_proxy:-unset}"'
if [ "$r1" = "http://proxy:3128 localhost unset" ] && [ "$out" = unset ]; then pass "the caller's proxy variables come through, as podman's --http-proxy passes them, unless --http-proxy=false"; else fail "the caller's proxy variables come through" "$r1 / $out"; fi
run env VIV_PASSED_ALL=yes PATH="$PATH" "$VIV" run --env-host app 'echo "$VIV_PASSED_ALL $PATH"'
if [ "$out" = "yes /bin" ]; then pass "--env-host passes the caller's environment, below the image's"; else fail "--env-host passes the caller's environment, below the image's" "$out $errout"; fi
run "$VIV" run --pull never app 'echo ran'
r1=$out
run "$VIV" run --pull=missing app 'echo ran'
if [ "$r1" = ran ] && [ "$out" = ran ]; then pass "--pull never and missing are what viv does"; else fail "--pull never and missing" "$r1 $out $errout"; fi
if [ "$(id -u)" = 0 ]; then
    expect_err "--userns=keep-id as root is refused, as podman refuses it" 125 "viv: run: --userns=keep-id: for rootless runs (as in podman); as root, give the ids with --user" "$VIV" run --userns=keep-id app true
fi
expect_err "--userns=host is refused with the reason" 125 "viv: run: --userns=host is not supported: the guest always has a user namespace of its own; keep-id (rootless) runs it as your own ids" "$VIV" run --userns=host app true
expect_err "--pull always is refused with the reason" 125 "viv: run: --pull always is not supported: images come from the local catalog (viv import); --pull never and missing are taken" "$VIV" run --pull always app true
# TERM as podman sets it, with a terminal or not: tput in a CI script finds one.
TERM=caller-term run "$VIV" run app 'echo "$TERM"'
if [ "$out" = "xterm" ]; then pass "TERM=xterm where the image and -e set none, as podman has it"; else fail "TERM=xterm where the image and -e set none" "$out"; fi
run "$VIV" run -e TERM=vt100 app 'echo "$TERM"'
if [ "$out" = "vt100" ]; then pass "-e TERM wins"; else fail "-e TERM wins" "$out"; fi
run "$VIV" run --hostname box -w /tmp app 'echo "$(hostname) $(pwd)"'
if [ "$out" = "box /tmp" ]; then pass "--hostname and -w"; else fail "--hostname and -w" "$out"; fi
run "$VIV" run --hostname box app 'cat /etc/hostname; grep -c "127.0.1.1.box" /etc/hosts; grep -c "^127.0.0.1.localhost" /etc/hosts'
if [ "$out" = "$(printf 'box\n1\n1')" ]; then pass "/etc/hostname and /etc/hosts name the instance"; else fail "/etc/hostname and /etc/hosts name the instance" "$out $errout"; fi
run "$VIV" run --add-host db:10.0.0.5 --add-host 'a;b:[fd00::1]' app 'head -n 3 /etc/hosts; grep -c "^127.0.0.1.localhost" /etc/hosts'
if [ "$status" = 0 ] && [ "$out" = "$(printf '10.0.0.5\tdb\nfd00::1\ta\nfd00::1\tb\n1')" ]; then pass "--add-host: lines of /etc/hosts, first, IPv6 and several names too"; else fail "--add-host: lines of /etc/hosts" "$status $out $errout"; fi
run "$VIV" run --network host --add-host gw:host-gateway app 'head -n 1 /etc/hosts'
if [ "$status" = 0 ] && [ "$out" = "$(printf '127.0.0.1\tgw')" ]; then pass "--add-host NAME:host-gateway on the host's network"; else fail "--add-host NAME:host-gateway on the host's network" "$status $out $errout"; fi
expect_err "--add-host NAME:host-gateway without the host's network is refused" 125 "viv: run: --add-host NAME:host-gateway: the guest reaches the host only on its network (--network host)" "$VIV" run --add-host gw:host-gateway app true
expect_err "--add-host: a name is needed" 125 "viv: run: --add-host ';:1.2.3.4': expected NAME:IP" "$VIV" run --add-host ';:1.2.3.4' app true
expect_err "--add-host: an address is checked" 125 "viv: run: --add-host 'x:1.2.3': '1.2.3' is no IPv4 or IPv6 address" "$VIV" run --add-host x:1.2.3 app true
expect_err "--hostname that is no host name is refused" 125 "viv: run: --hostname 'a b': letters, digits, '-', '_' and '.' only, not first '-' or '.'" "$VIV" run --hostname 'a b' app true
# A uid the image does not know gets an entry of its own, as podman adds one: getpwuid finds it.
run "$VIV" run -u 4321:50 app 'tail -n 1 /etc/passwd; id -un; grep -c . /etc/passwd'
r1=$out
run "$VIV" run -u bob app 'grep -c . /etc/passwd'
if [ "$r1" = "$(printf '4321:*:4321:50:container user:/:/bin/sh\n4321\n4')" ] && [ "$out" = 3 ]; then pass "a uid without an entry in the image's /etc/passwd gets one, a known user none"; else fail "a uid without an entry in the image's /etc/passwd gets one, a known user none" "$r1 / $out $errout"; fi
# The manifest's user (an OCI image's USER) is who the guest runs as unless --user says otherwise.
cp -a "$WORK/app" "$WORK/asbob"
sed -i 's/"name": "app"/"name": "asbob", "user": "bob"/' "$WORK/asbob/manifest.json"
"$VIV" build "$WORK/asbob" -o "$WORK/asbob.viv" >/dev/null 2>&1
run "$VIV" run "$WORK/asbob.viv" 'id -u; id -g; echo $HOME'
r1=$out
run "$VIV" run --user 0 "$WORK/asbob.viv" 'id -u'
if [ "$r1" = "$(printf '1000\n1000\n/home/bob')" ] && [ "$out" = 0 ]; then pass "the manifest's user runs the guest, --user overrides it"; else fail "the manifest's user runs the guest, --user overrides it" "$r1 / $status $out $errout"; fi
sed -i 's/"user": "bob"/"user": "nobody"/' "$WORK/asbob/manifest.json"
"$VIV" build "$WORK/asbob" -o "$WORK/asnobody.viv" >/dev/null 2>&1
expect_err "an image's user not in its /etc/passwd is named as the image's" 125 "viv: run: the image's user 'nobody': no user 'nobody' in the image's /etc/passwd" "$VIV" run "$WORK/asnobody.viv" true
# The image's own /etc files give way to the instance's, whatever they were: a private file, a
# symlink to a resolver's stub; the image keeps its copies.
cp -a "$WORK/app" "$WORK/etcfiles"
sed -i 's/"name": "app"/"name": "etcfiles"/' "$WORK/etcfiles/manifest.json"
printf '10.0.0.1\tbuildhost\n' > "$WORK/etcfiles/rootfs/etc/hosts" && chmod 600 "$WORK/etcfiles/rootfs/etc/hosts"
ln -sf ../run/stub-resolv.conf "$WORK/etcfiles/rootfs/etc/resolv.conf"
"$VIV" build "$WORK/etcfiles" -o "$WORK/etcfiles.viv" >/dev/null 2>&1
run "$VIV" run --hostname box --user 1000 "$WORK/etcfiles.viv" 'grep -c buildhost /etc/hosts; grep -c "127.0.1.1.box" /etc/hosts; [ -L /etc/resolv.conf ] && echo link; cat /etc/hostname'
if [ "$out" = "$(printf '0\n1\nbox')" ]; then pass "the image's own /etc/hosts and a symlinked resolv.conf give way to the instance's"; else fail "the image's own /etc/hosts and a symlinked resolv.conf give way to the instance's" "$status $out $errout"; fi
chmod 751 "$WORK/etcfiles/rootfs/etc"
"$VIV" build "$WORK/etcfiles" -o "$WORK/etcfiles2.viv" >/dev/null 2>&1
run "$VIV" run "$WORK/etcfiles2.viv" 'stat -c "%a %u" /etc; ls /etc | tr "\n" " "'
if [ "$out" = "$(printf '751 0\ngroup hostname hosts passwd resolv.conf ')" ]; then pass "/etc keeps the image's mode and its other files beside the instance's"; else fail "/etc keeps the image's mode and its other files beside the instance's" "$status $out $errout"; fi
# An /etc that is a link into the image (/usr/etc here) gets the files where it leads.
cp -a "$WORK/app" "$WORK/etclink"
sed -i 's/"name": "app"/"name": "etclink"/' "$WORK/etclink/manifest.json"
mkdir -p "$WORK/etclink/rootfs/usr"
mv "$WORK/etclink/rootfs/etc" "$WORK/etclink/rootfs/usr/etc"
ln -s usr/etc "$WORK/etclink/rootfs/etc"
"$VIV" build "$WORK/etclink" -o "$WORK/etclink.viv" >/dev/null 2>&1
run "$VIV" run --hostname linked "$WORK/etclink.viv" 'cat /usr/etc/hostname; [ -L /etc ] && grep -c "127.0.1.1.linked" /etc/hosts'
if [ "$out" = "$(printf 'linked\n1')" ]; then pass "an /etc that links into the image gets the instance's files there"; else fail "an /etc that links into the image gets the instance's files there" "$status $out $errout"; fi
if grep -qs buildhost "$VIV_HOME"/images/*/rootfs/etc/hosts; then pass "the image's own /etc/hosts is left as it was in the catalog"; else fail "the image's own /etc/hosts is left as it was in the catalog" "$(ls "$VIV_HOME"/images)"; fi
if [ -s /etc/resolv.conf ]; then
    run "$VIV" run --network host app 'cat /etc/resolv.conf'
    if [ "$out" = "$(cat /etc/resolv.conf)" ]; then pass "--network host: the host's /etc/resolv.conf"; else fail "--network host: the host's /etc/resolv.conf" "$out $errout"; fi
fi
# The host's name and its /etc/hosts, as podman gives them on the host's network.
run "$VIV" run --network host app 'hostname; cat /etc/hosts'
if [ "$out" = "$(hostname; cat /etc/hosts 2>/dev/null || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n'; printf '127.0.1.1\t%s' "$(hostname)")" ]; then pass "--network host: the host's name and /etc/hosts"; else fail "--network host: the host's name and /etc/hosts" "$out $errout"; fi
run "$VIV" run -w /new/dir app pwd
if [ "$out" = "/new/dir" ]; then pass "-w makes a missing directory"; else fail "-w makes a missing directory" "$out"; fi
run "$VIV" run -u 1000 -w /new/dir app 'stat -c %u /new /new/dir; touch f && echo written'
if [ "$out" = "$(printf '0\n1000\nwritten')" ]; then pass "-w makes a missing directory the guest user's, as podman does"; else fail "-w makes a missing directory the guest user's" "$status $out $errout"; fi
# Not in a -v bind: a directory made in the host's is the host's to own.
mkdir -p "$WORK/hb"
run "$VIV" run -u 1000 -v "$WORK/hb:/mnt/hb" -w /mnt/hb/made app true
if [ "$status" = 0 ] && [ "$(stat -c %u "$WORK/hb/made")" = "$(id -u)" ]; then pass "-w in a -v bind leaves the directory it makes to the host's caller"; else fail "-w in a -v bind leaves the directory it makes to the host's caller" "$status $errout $(stat -c %u "$WORK/hb/made" 2>&1)"; fi
# As root the image's files belong to root and stay closed to uid 1000; rootless they all belong
# to the caller, whom the guest's uid maps to.
denied=$(printf '\ndenied')
[ "$(id -u)" = 0 ] || denied=
run "$VIV" run --user 1000:1001 app 'id -u; id -g; touch /x 2>/dev/null || echo denied'
if [ "$out" = "$(printf '1000\n1001')$denied" ]; then pass "--user UID:GID"; else fail "--user UID:GID" "$out"; fi
run "$VIV" run --user 7 app 'echo $(id -u):$(id -g)'
if [ "$out" = "7:7" ]; then pass "--user UID"; else fail "--user UID" "$out"; fi
# Names come from the image's /etc/passwd and /etc/group (make-appliance.sh), never the host's.
run "$VIV" run --user bob app 'id -u; id -g; id -G; echo $HOME'
if [ "$status" = 0 ] && [ "$out" = "$(printf '1000\n1000\n1000 10 50\n/home/bob')" ]; then pass "--user NAME: ids, supplementary groups and HOME from the image's accounts"; else fail "--user NAME: ids, supplementary groups and HOME from the image's accounts" "$status $out $errout"; fi
run "$VIV" run --user 1000 app 'id -u; id -g; id -G'
if [ "$out" = "$(printf '1000\n1000\n1000 10 50')" ]; then pass "--user UID with a passwd entry: its group and supplementary groups"; else fail "--user UID with a passwd entry" "$out $errout"; fi
run "$VIV" run --user bob:staff app 'id -u; id -g; id -G'
if [ "$out" = "$(printf '1000\n50\n50')" ]; then pass "--user NAME:GROUP: that group alone"; else fail "--user NAME:GROUP: that group alone" "$out $errout"; fi
run "$VIV" run --user 1000:wheel app 'id -u; id -g'
if [ "$out" = "$(printf '1000\n10')" ]; then pass "--user UID:GROUP"; else fail "--user UID:GROUP" "$out $errout"; fi
run "$VIV" run --user bob -e HOME=/elsewhere app 'echo $HOME'
if [ "$out" = /elsewhere ]; then pass "--user: HOME set with -e wins over the passwd entry"; else fail "--user: HOME set with -e wins over the passwd entry" "$out"; fi
expect_err "--user: a name missing from the image (the host's accounts do not count)" 125 "viv: run: --user 'nobody': no user 'nobody' in the image's /etc/passwd" "$VIV" run --user nobody app true
expect_err "--user: a group missing from the image" 125 "viv: run: --user 'bob:nogroup': no group 'nogroup' in the image's /etc/group" "$VIV" run --user bob:nogroup app true
# The image's files are resolved inside its root: a symlink that climbs out lands in the image.
cp -a "$WORK/app" "$WORK/accounts"
sed -i 's/"name": "app"/"name": "accounts"/' "$WORK/accounts/manifest.json"
printf 'carol:x:1234:1234::/c:/bin/sh\n' > "$WORK/accounts/rootfs/etc/real-passwd"
ln -sf ../../../../../../etc/real-passwd "$WORK/accounts/rootfs/etc/passwd"
"$VIV" build "$WORK/accounts" -o "$WORK/accounts.viv" >/dev/null 2>&1
run "$VIV" run --user carol "$WORK/accounts.viv" 'echo $(id -u):$(id -g) $HOME'
if [ "$out" = "1234:1234 /c" ]; then pass "--user: a symlinked /etc/passwd resolves inside the image"; else fail "--user: a symlinked /etc/passwd resolves inside the image" "$status $out $errout"; fi
# --group-add: names from the image's /etc/group, numbers as they are, after the user's own.
if [ "$(id -u)" = 0 ]; then
    run "$VIV" run --user bob --group-add root --group-add 3000 app 'id -G'
    r1=$out
    run "$VIV" run --group-add staff --group-add 50 --group-add 0 app 'id -u; id -G'
    if [ "$r1" = "1000 0 10 50 3000" ] && [ "$out" = "$(printf '0\n0 50')" ]; then pass "--group-add: groups by name and number, after the user's own, once each"; else fail "--group-add: groups by name and number" "$r1 / $out $errout"; fi
    expect_err "--group-add: a name missing from the image" 125 "viv: run: --group-add nogroup: no such group in the image's /etc/group" "$VIV" run --group-add nogroup app true
    expect_err "--group-add: an id that is not mapped" 125 "viv: run: --group-add 70000: ids above 65535 are not mapped" "$VIV" run --group-add 70000 app true
    expect_err "--group-add keep-groups is for rootless runs" 125 "viv: run: --group-add keep-groups: for rootless runs, which keep the caller's groups; as root, name the groups to add" "$VIV" run --group-add keep-groups app true
fi
if [ "$(id -u)" = 0 ]; then
    expect_err "--user: a name whose ids are not mapped" 125 "viv: run: --user 'far': ids above 65535 are not mapped" "$VIV" run --user far app true
fi
expect_err "-w must be absolute" 125 "viv: run: -w 'rel': must be an absolute path" "$VIV" run -w rel app true

# stdin: /dev/null unless -i.
run sh -c "echo piped | '$VIV' run app 'cat'"
if [ -z "$out" ]; then pass "stdin is /dev/null without -i"; else fail "stdin is /dev/null without -i" "$out"; fi
run sh -c "echo piped | '$VIV' run -i app 'cat'"
if [ "$out" = piped ]; then pass "-i keeps stdin"; else fail "-i keeps stdin" "$out"; fi

# The root: writable, private, discarded; --read-only; the catalog never written.
before=$(catalog_state)
run "$VIV" run app 'echo new > /etc/new && echo changed >> /etc/passwd && rm /bin/true && cat /etc/new'
if [ "$status" = 0 ] && [ "$out" = new ]; then pass "the root is writable"; else fail "the root is writable" "$out $errout"; fi
run "$VIV" run app 'cat /etc/new 2>&1; grep -c changed /etc/passwd; ls /bin/true'
if contains "$out" "No such file" && contains "$out" "0" && contains "$out" "/bin/true"; then pass "changes are discarded at exit"; else fail "changes are discarded at exit" "$out"; fi
# A directory made in the root renames in place, as dpkg's unpacking needs (a rename, not mv's
# copy: the inode stays).
run "$VIV" run app 'mkdir /etc/d.new && i=$(stat -c %i /etc/d.new) && mv /etc/d.new /etc/d && [ "$(stat -c %i /etc/d)" = "$i" ] && echo renamed'
if [ "$out" = renamed ]; then
    pass "a new directory in the root renames in place"
elif [ -n "${VIV_MODE:-}" ] && [ "$("$VIV" run --mode native app 'mkdir /etc/d.new && i=$(stat -c %i /etc/d.new) && mv /etc/d.new /etc/d && [ "$(stat -c %i /etc/d)" = "$i" ] && echo renamed')" != renamed ]; then
    skip "a new directory in the root renames in place" "this kernel's overlayfs refuses it to native mode too (EXDEV: no directory redirects)"
else
    fail "a new directory in the root renames in place" "$out $errout"
fi
assert "the catalog is untouched by runs" test "$before" = "$(catalog_state)"
expect "viv fsck is clean after runs" 0 "$VIV" fsck
run "$VIV" run --read-only app 'touch /etc/x 2>&1; touch /tmp/x && echo tmp-ok'
if contains "$out" "Read-only file system" && contains "$out" "tmp-ok"; then pass "--read-only: root read-only, /tmp writable"; else fail "--read-only: root read-only, /tmp writable" "$out"; fi
run "$VIV" run --read-only -w /made/here app 'pwd; touch x 2>&1'
if contains "$out" "/made/here" && contains "$out" "Read-only file system"; then pass "--read-only: a missing -w is made before the root goes read-only"; else fail "--read-only: a missing -w is made before the root goes read-only" "$status $out $errout"; fi
# As podman's --read-only-tmpfs: /run and /var/tmp are fresh and writable under --read-only.
run "$VIV" run --read-only app 'touch /run/x /var/tmp/y && ls -ld /run /var/tmp | cut -c1-10 | tr "\n" " "'
if [ "$status" = 0 ] && [ "$out" = "drwxrwxrwt drwxrwxrwt " ]; then pass "--read-only: /run and /var/tmp are writable tmpfs directories"; else fail "--read-only: /run and /var/tmp are writable tmpfs directories" "$status $out $errout"; fi
run "$VIV" run --read-only -u 1000 app 'touch /run/pid && echo user-ok'
if [ "$out" = user-ok ]; then pass "--read-only: a guest user can write /run"; else fail "--read-only: a guest user can write /run" "$status $out $errout"; fi
run "$VIV" run --read-only --read-only-tmpfs=false app 'touch /run/x 2>&1; touch /tmp/x 2>&1; touch /dev/shm/x && echo shm-ok'
if contains "$out" "/run/x: No such file" && contains "$out" "/tmp/x: Read-only file system" && contains "$out" "shm-ok"; then pass "--read-only-tmpfs=false leaves /run and /tmp to the read-only root, as podman does"; else fail "--read-only-tmpfs=false leaves /run and /tmp to the read-only root" "$status $out $errout"; fi
run "$VIV" run --tmpfs /tmp:size=1m app 'grep -c " /tmp " /proc/self/mountinfo; grep " /tmp " /proc/self/mountinfo | grep -c size=1024k'
if [ "$out" = "$(printf '1\n1')" ]; then pass "--tmpfs /tmp replaces the sandbox's /tmp instead of stacking on it"; else fail "--tmpfs /tmp replaces the sandbox's /tmp" "$status $out $errout"; fi
# -v's options as podman takes them: the mount's flags, private propagation, SELinux labels
# accepted and meaning nothing; what cannot be given is refused with the reason.
run "$VIV" run -v "$WORK:/x:ro,noexec,z,rprivate" app 'grep " /x " /proc/self/mountinfo | cut -d" " -f6'
if [ "$out" = "ro,nosuid,nodev,noexec,relatime" ]; then pass "-v: ro, noexec, z and rprivate, with nosuid and nodev by default"; else fail "-v: ro, noexec, z and rprivate, with nosuid and nodev by default" "$status $out $errout"; fi
expect_err "-v: an access-time flag is refused, with the reason" 125 "viv: run: -v '$WORK:/x:noatime': noatime is not supported: a bind keeps the host mount's access-time rules (the kernel locks them)" "$VIV" run -v "$WORK:/x:noatime" app true
expect_err "-v: dev is refused, with the reason" 125 "viv: run: -v '$WORK:/x:dev': dev is not supported: device nodes are not passed to the guest" "$VIV" run -v "$WORK:/x:dev" app true
expect_err "-v: a propagation the guest cannot have is refused" 125 "viv: run: -v '$WORK:/x:rshared': rshared is not supported: the guest's mounts are private" "$VIV" run -v "$WORK:/x:rshared" app true
expect_err "-v: an anonymous volume is refused, pointing to --tmpfs" 125 "viv: run: -v '/data': expected HOST:GUEST[:OPTIONS] (no anonymous volumes: --tmpfs /data gives the guest a scratch directory there)" "$VIV" run -v /data app true
echo f >"$WORK/afile"
expect_err "-v: a file onto a directory is told as such" 125 "viv: run: -v $WORK/afile:/tmp: a file cannot be mounted on a directory" "$VIV" run -v "$WORK/afile:/tmp" app true
expect_err "a mount destination given twice is refused" 125 "viv: run: -v '$WORK:/x/.': a mount is there already (duplicate destination)" "$VIV" run --tmpfs /x -v "$WORK:/x/." app true
expect_err "--tmpfs over /dev is refused" 125 "viv: run: --tmpfs '/dev': /proc, /dev and /sys are the sandbox's own" "$VIV" run --tmpfs /dev app true
run "$VIV" run --umask 0077 app 'umask; touch /tmp/f; stat -c %a /tmp/f'
r1=$out
run "$VIV" run app 'umask'
if [ "$r1" = "$(printf '0077\n600')" ] && [ "$out" = 0022 ]; then pass "--umask sets the guest's umask, 0022 without it"; else fail "--umask sets the guest's umask, 0022 without it" "$r1 / $out $errout"; fi
run "$VIV" run --read-only=false --rm=true --verbose=false app 'touch /etc/x && echo rw'
if [ "$out" = rw ] && [ -z "$errout" ]; then pass "switches take podman's =true and =false"; else fail "switches take podman's =true and =false" "$status $out $errout"; fi
expect_err "a switch's value must be true or false" 125 "viv: run: --read-only='yes': expected true or false (see 'viv run --help')" "$VIV" run --read-only=yes app true
run env VIV_TEST_NO_OVERLAY=1 "$VIV" run --verbose app 'touch /etc/x 2>&1; echo hi > /tmp/x && cat /tmp/x /etc/passwd | head -n 2'
if [ "$status" = 0 ] && contains "$errout" "overlayfs unavailable" && contains "$out" "Read-only file system" && contains "$out" "root:x:0:0"; then pass "fallback without overlayfs: read-only image, writable /tmp"; else fail "fallback without overlayfs: read-only image, writable /tmp" "$out $errout"; fi
assert "the fallback leaves the catalog untouched" test "$before" = "$(catalog_state)"

# --tmpfs as podman makes it: a fresh tmpfs, rw,nosuid,nodev unless told otherwise (podman's
# documentation adds noexec; podman 4.3 itself leaves programs there runnable, and so do we).
run "$VIV" run --tmpfs /scratch:size=1m,mode=700 app 'grep " /scratch " /proc/self/mountinfo | cut -d" " -f5-6,10-; ls -ld /scratch | cut -c1-10; head -c 2000000 /dev/zero > /scratch/big 2>/dev/null; wc -c < /scratch/big'
if [ "$status" = 0 ] && contains "$out" "/scratch rw,nosuid,nodev,relatime " && contains "$out" "size=1024k,mode=700" && contains "$out" "drwx------" && contains "$out" 1048576; then pass "--tmpfs: size, mode and the default flags, programs runnable as under podman"; else fail "--tmpfs: size, mode and the default flags" "$status $out $errout"; fi
run "$VIV" run --tmpfs /scratch app 'cp /bin/busybox /scratch/ && /scratch/busybox true && echo runs'
r1=$out
run "$VIV" run --tmpfs /scratch:noexec app 'cp /bin/busybox /scratch/ && /scratch/busybox true 2>/dev/null || echo noexec'
if [ "$r1" = runs ] && [ "$out" = noexec ]; then pass "--tmpfs: programs there run, as under podman, unless :noexec"; else fail "--tmpfs: programs there run unless :noexec" "$r1 / $status $out $errout"; fi
run "$VIV" run --read-only --tmpfs /data:exec app 'cp /bin/busybox /data/ && /data/busybox echo exec-ok'
if [ "$out" = exec-ok ]; then pass "--tmpfs: exec allows programs there, under --read-only too"; else fail "--tmpfs: exec allows programs there, under --read-only too" "$status $out $errout"; fi
mkdir -p "$WORK/tws"
for order in "--tmpfs /src/build -v $WORK/tws:/src" "-v $WORK/tws:/src --tmpfs /src/build"; do
    # shellcheck disable=SC2086
    run "$VIV" run $order app 'echo x > /src/build/x && grep -c " /src/build .* - tmpfs " /proc/self/mountinfo'
    if [ "$out" = 1 ] && [ ! -e "$WORK/tws/build/x" ]; then pass "--tmpfs beneath a -v bind, whatever their order ($order)"; else fail "--tmpfs beneath a -v bind ($order)" "$status $out $errout"; fi
done
expect_err "--tmpfs: an unknown option is named, a misspelt key too" 125 "viv: run: --tmpfs '/x:sze=1m': unknown option 'sze' (size=, mode=, uid=, gid=, nr_inodes=, nr_blocks=, U, tmpcopyup, notmpcopyup, ro, rw, exec, noexec, suid, nosuid, dev, nodev, noatime, relatime, strictatime, nodiratime)" "$VIV" run --tmpfs /x:sze=1m app true
# --layer disk: the writable layer and /tmp in the catalog's layers/, gone after the run, swept
# when a killed viv left one; the guest's files as they would be on any disk.
run "$VIV" run --verbose --layer disk app 'echo kept > /etc/x; cat /etc/x; mkdir -p /a/b; chmod 0 /a; touch /tmp/t && echo tmp'
if [ "$status" = 0 ] && [ "$out" = "$(printf 'kept\ntmp')" ] && contains "$errout" "root: overlayfs, writable layer on disk in $VIV_HOME/layers/" && [ -z "$(ls -A "$VIV_HOME/layers")" ]; then pass "--layer disk: the root's writes on disk, removed after the run"; else fail "--layer disk: the root's writes on disk, removed after the run" "$status $out $errout / $(ls -A "$VIV_HOME/layers")"; fi
run env VIV_LAYER=disk "$VIV" run --verbose --read-only app 'touch /run/r && echo run'
if [ "$status" = 0 ] && [ "$out" = run ] && contains "$errout" "writable layer on disk"; then pass "VIV_LAYER=disk is --layer's default; --read-only keeps /run writable"; else fail "VIV_LAYER=disk is --layer's default" "$status $out $errout"; fi
# A layer deeper than viv could hold open at once, as a hostile guest can make it cheaply.
run sh -c "ulimit -n 256; '$VIV' run --layer disk app 'mkdir /t; i=0; while [ \$i -lt 600 ]; do mkdir /n && mv /t /n/t && mv /n /t || exit 1; i=\$((i+1)); done; echo deep'"
if [ "$status" = 0 ] && [ "$out" = deep ] && [ -z "$(ls -A "$VIV_HOME/layers")" ]; then pass "--layer disk: a tree 600 deep under ulimit -n 256 is removed"; else fail "--layer disk: a deep tree is removed" "$status $out $errout / $(ls -A "$VIV_HOME/layers" | head -3)"; fi
# Left by a killed viv (no lock, older than a minute): the next disk run sweeps it; a live one
# (its lock held) stays.
mkdir -p "$VIV_HOME/layers/stale/upper/d" "$VIV_HOME/layers/live"
touch -d '2 minutes ago' "$VIV_HOME/layers/stale" "$VIV_HOME/layers/live"
flock "$VIV_HOME/layers/live" sleep 3 &
fp=$!
sleep 0.3
run "$VIV" run --layer disk app true
left=$(ls -A "$VIV_HOME/layers" | tr '\n' ' ')
wait $fp
rm -rf "$VIV_HOME/layers/live"
if [ "$status" = 0 ] && [ "$left" = "live " ]; then pass "--layer disk: a layer a killed viv left is swept, a held one kept"; else fail "--layer disk: a stale layer is swept" "$status $errout / $left"; fi
expect_err "--layer takes memory or disk" 125 "viv: run: --layer 'ram': expected memory or disk" "$VIV" run --layer ram app true
# --security-opt: what asks for what viv does anyway is taken; the rest is refused, not dropped.
run "$VIV" run --security-opt seccomp=unconfined --security-opt no-new-privileges --security-opt label=disable --security-opt apparmor=unconfined app 'grep "^Seccomp:" /proc/self/status'
if [ "$status" = 0 ] && [ "$out" = "$(printf 'Seccomp:\t0')" ]; then pass "--security-opt seccomp=unconfined, no-new-privileges, label=disable, apparmor=unconfined"; else fail "--security-opt: the options viv honours" "$status $out $errout"; fi
expect_err "--security-opt: a seccomp profile is refused" 125 "viv: run: --security-opt 'seccomp=/p.json': seccomp takes unconfined only: the guest runs under viv's own policy (docs/sandbox.md) or none" "$VIV" run --security-opt seccomp=/p.json app true
expect_err "--security-opt: no-new-privileges=false is refused" 125 "viv: run: --security-opt 'no-new-privileges=false': no_new_privs is always set" "$VIV" run --security-opt no-new-privileges=false app true
expect_err "--security-opt: unmask is refused" 125 "viv: run: --security-opt 'unmask=ALL': the paths of /proc and /sys that the sandbox hides stay hidden" "$VIV" run --security-opt unmask=ALL app true
run "$VIV" run -u 1000 --shm-size 1m --shm-size 2m app 'grep " /dev/shm " /proc/self/mountinfo | grep -c "size=2048k"; stat -c %a /dev/shm; echo x > /dev/shm/a && echo written'
if [ "$status" = 0 ] && [ "$out" = "$(printf '1\n1777\nwritten')" ]; then pass "--shm-size: /dev/shm a tmpfs of that size (the last one given), anyone's to write"; else fail "--shm-size: /dev/shm a tmpfs of that size" "$status $out $errout"; fi
# --mount, as docker's and podman's scripts spell a bind or a tmpfs.
mkdir -p "$WORK/mnt" && echo from-host > "$WORK/mnt/f"
run "$VIV" run --mount "type=bind,source=$WORK/mnt,destination=/data,readonly" --mount type=tmpfs,target=/scratch,tmpfs-size=1m,tmpfs-mode=0700 app 'cat /data/f; touch /data/x 2>/dev/null || echo read-only; grep " /scratch " /proc/self/mountinfo | grep -c "size=1024k,mode=700"'
r1=$out
run "$VIV" run --mount "type=bind,src=$WORK/mnt,dst=/data,readonly=false" app 'echo back > /data/g'
if [ "$r1" = "$(printf 'from-host\nread-only\n1')" ] && [ "$(cat "$WORK/mnt/g")" = back ]; then pass "--mount type=bind and type=tmpfs, with docker's keys"; else fail "--mount type=bind and type=tmpfs" "$r1 / $status $errout"; fi
expect_err "--mount: a volume is refused, pointing to bind and tmpfs" 125 "viv: run: --mount 'type=volume,destination=/x': there are no volumes kept between runs: bind a host directory (type=bind,source=DIR) or use a scratch one (type=tmpfs)" "$VIV" run --mount type=volume,destination=/x app true
expect_err "--mount: an option is judged as -v's" 125 "viv: run: --mount 'type=bind,src=$WORK,dst=/x,bind-propagation=rshared': rshared is not supported: the guest's mounts are private" "$VIV" run --mount "type=bind,src=$WORK,dst=/x,bind-propagation=rshared" app true
mkdir -p "$WORK/mnt,comma" && echo quoted > "$WORK/mnt,comma/f"
run "$VIV" run --mount "type=bind,\"src=$WORK/mnt,comma\",dst=/data" app 'cat /data/f'
if [ "$out" = quoted ]; then pass "--mount: a quoted field holds a comma, as podman's CSV does"; else fail "--mount: a quoted field holds a comma" "$status $out $errout"; fi
expect_err "--mount: a source that is not there is named as --mount's" 125 "viv: run: --mount $WORK/none: No such file or directory" "$VIV" run --mount "type=bind,src=$WORK/none,dst=/x" app true
expect_err "--mount: a key of the other type is refused" 125 "viv: run: --mount 'type=bind,src=$WORK,dst=/x,tmpfs-size=1m': tmpfs-size=1m is not for type=bind" "$VIV" run --mount "type=bind,src=$WORK,dst=/x,tmpfs-size=1m" app true
expect_err "--mount: type= is needed" 125 "viv: run: --mount 'dst=/x': type= is needed (bind or tmpfs)" "$VIV" run --mount dst=/x app true
run "$VIV" run -u 1000 --tmpfs /scratch app 'stat -c %a /scratch; touch /scratch/x && echo written'
if [ "$out" = "$(printf '1777\nwritten')" ]; then pass "--tmpfs where the image has nothing: mode 1777, as podman's, writable by any user"; else fail "--tmpfs where the image has nothing: mode 1777, as podman's" "$status $out $errout"; fi
run "$VIV" run -u 1000 --tmpfs /x:U,noatime,mode=01770,rprivate app 'stat -c "%u %a" /x; grep " /x " /proc/self/mountinfo | grep -c noatime'
if [ "$out" = "$(printf '1000 1770\n1')" ]; then pass "--tmpfs: podman's U, atime flags, a five-digit mode and private propagation"; else fail "--tmpfs: podman's U, atime flags, a five-digit mode and private propagation" "$status $out $errout"; fi
run "$VIV" run --tmpfs /etc app 'grep -c ^bob: /etc/passwd; grep " /etc " /proc/self/mountinfo | grep -c tmpfs; echo x > /etc/new && ls /etc/new'
run2() { "$VIV" run --tmpfs /etc:notmpcopyup app 'ls /etc | wc -l'; }
if [ "$status" = 0 ] && [ "$out" = "$(printf '1\n1\n/etc/new')" ] && [ "$(run2 2>/dev/null)" = 0 ]; then pass "--tmpfs copies in what the image has there (podman's tmpcopyup), notmpcopyup starts empty"; else fail "--tmpfs copies in what the image has there, notmpcopyup starts empty" "$status $out $errout / $(run2 2>&1)"; fi
# The copy takes the directory's mode and owner, fills a read-only tmpfs before it goes
# read-only, and an image's symlink cannot lead a mount onto /dev or into /proc.
VIV="$VIV" sh "$SRCDIR/tests/payloads/make-appliance.sh" "$WORK/tcopy" "$PAYLOADS/escape" >"$WORK/tcopy.log" 2>&1
mkdir -p "$WORK/tcopy/rootfs/data/sub" && echo kept > "$WORK/tcopy/rootfs/data/sub/f" && chmod 700 "$WORK/tcopy/rootfs/data"
echo kept > "$WORK/tcopy/rootfs/data/g"
ln -s /dev "$WORK/tcopy/rootfs/devl"
ln -s /proc "$WORK/tcopy/rootfs/procl"
"$VIV" build "$WORK/tcopy" -o "$WORK/tcopy.viv" >/dev/null 2>&1
run "$VIV" run --tmpfs /data:ro "$WORK/tcopy.viv" 'stat -c %a /data; cat /data/sub/f; touch /data/x 2>&1'
if [ "$out" = "$(printf '700\nkept\ntouch: /data/x: Read-only file system')" ]; then pass "--tmpfs: the copy keeps the directory's mode, and :ro is filled before it goes read-only"; else fail "--tmpfs: the copy keeps the directory's mode, and :ro is filled first" "$status $out $errout"; fi
# The catalog keeps identical files as one: in the copy they are files of their own again.
run "$VIV" run --tmpfs /data "$WORK/tcopy.viv" 'echo changed > /data/g; cat /data/sub/f'
if [ "$out" = kept ]; then pass "--tmpfs: files the image has alike stay apart in the copy"; else fail "--tmpfs: files the image has alike stay apart in the copy" "$status $out $errout"; fi
expect_err "--tmpfs: an image's symlink cannot lead it onto /dev" 125 "viv: run: --tmpfs /devl: it is in /proc or is /dev (through a symlink in the image)" "$VIV" run --tmpfs /devl "$WORK/tcopy.viv" true
expect_err "-v: an image's symlink cannot lead it into /proc" 125 "viv: run: -v $WORK:/procl/sys: it is in /proc or is /dev (through a symlink in the image)" "$VIV" run -v "$WORK:/procl/sys" "$WORK/tcopy.viv" true
run "$VIV" run --tmpfs /dev/shm:size=1m app 'grep " /dev/shm " /proc/self/mountinfo | grep -c size=1024k'
if [ "$out" = 1 ]; then pass "--tmpfs /dev/shm:size= sizes the guest's shared memory"; else fail "--tmpfs /dev/shm:size= sizes the guest's shared memory" "$status $out $errout"; fi
expect_err "--tmpfs: a propagation the guest cannot have is refused" 125 "viv: run: --tmpfs '/x:shared': shared is not supported: the guest's mounts are private" "$VIV" run --tmpfs /x:shared app true
expect_err "--tmpfs: a bad size is told" 125 "viv: run: --tmpfs '/x:size=1q': size=1q: not a valid value" "$VIV" run --tmpfs /x:size=1q app true

# --ulimit as podman takes it: NAME=SOFT[:HARD], a hard limit only ever lowered.
run "$VIV" run --ulimit nofile=100:200 --ulimit core=0 --ulimit stack=unlimited app 'echo $(ulimit -n) $(ulimit -Hn) $(ulimit -c) $(ulimit -s)'
if [ "$out" = "100 200 0 unlimited" ]; then pass "--ulimit sets soft and hard limits"; else fail "--ulimit sets soft and hard limits" "$status $out $errout"; fi
hard=$(ulimit -Hn)
run "$VIV" run app 'echo $(ulimit -n) $(ulimit -Hn)'
if [ "$out" = "$hard $hard" ]; then pass "open files up to the hard limit by default, as in podman"; else fail "open files up to the hard limit by default" "$status $out $errout (hard $hard)"; fi
run "$VIV" run --ulimit nofile=1024:-1 --ulimit host app 'echo $(ulimit -n) $(ulimit -Hn)'
if [ "$out" = "1024 $hard" ]; then pass "--ulimit: -1 is viv's own hard limit, host is accepted"; else fail "--ulimit: -1 is viv's own hard limit, host is accepted" "$status $out $errout (hard $hard)"; fi
if [ "$hard" != unlimited ] && ! sh -c "ulimit -Hn $((hard + 1))" 2>/dev/null; then
    expect_err "--ulimit: a hard limit above the host's is refused, saying why" 125 "viv: run: --ulimit nofile: the hard limit cannot go above this host's, $hard (raising it needs CAP_SYS_RESOURCE)" "$VIV" run --ulimit nofile=$((hard + 1)) app true
else
    skip "--ulimit: a hard limit above the host's is refused" "this viv may raise hard limits (CAP_SYS_RESOURCE) or the limit is unlimited"
fi
expect_err "--ulimit: soft above hard is refused" 125 "viv: run: --ulimit 'nofile=20:10': the soft limit is above the hard one" "$VIV" run --ulimit nofile=20:10 app true
expect_err "--ulimit: an unknown limit is named" 125 "viv: run: --ulimit 'files=1': unknown limit 'files' (as, core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack)" "$VIV" run --ulimit files=1 app true

# /dev, /proc, /tmp.
run "$VIV" run app 'ls /dev | tr "\n" " "; echo; readlink /dev/ptmx; echo x > /dev/null && head -c 4 /dev/zero | wc -c; ls /dev/pts'
if contains "$out" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero" && contains "$out" "pts/ptmx" && contains "$out" "4"; then pass "a minimal /dev"; else fail "a minimal /dev" "$out"; fi
run "$VIV" run app "sh -c 'echo \$\$'; cat /proc/1/comm; test -e /proc/$$ && echo host-visible; grep -c ' /tmp tmpfs' /proc/mounts; echo \$\$"
if [ "$out" = "$(printf '2\nsh\n1\n1')" ]; then pass "/proc of the new pid namespace, /tmp tmpfs, the entrypoint pid 1, its first child pid 2"; else fail "/proc of the new pid namespace, /tmp tmpfs, the entrypoint pid 1, its first child pid 2" "$out"; fi
run "$VIV" run --init app "cat /proc/1/comm; echo \$\$"
if [ "$out" = "$(printf 'viv-init\n2')" ]; then pass "--init: pid 1 is viv-init, the entrypoint pid 2"; else fail "--init: pid 1 is viv-init, the entrypoint pid 2" "$out"; fi

# --timeout and --stats.
expect_err "--timeout kills the instance: 124" 124 "viv: run: timed out after 1s: instance killed" "$VIV" run --timeout 1 app 'sleep 30'
expect_err "--timeout is checked" 125 "viv: run: --timeout: invalid duration 'soon': expected a number of seconds or a unit (ms, s, m, h, d), as in 90s or 30m" "$VIV" run --timeout soon app true
run "$VIV" run --stats app 'exit 4'
if [ "$status" = 4 ] && printf '%s' "$errout" | grep -Eq '^viv: stats: wall [0-9.]+s, user [0-9.]+s, system [0-9.]+s, peak memory .*, trapped calls 0, exit status 4$'; then pass "--stats"; else fail "--stats" "$errout"; fi
run "$VIV" run --stats=json app true
if printf '%s' "$errout" | grep -Eq '^\{"wall_seconds":[0-9.e+-]+,"user_seconds":[0-9.e+-]+,"system_seconds":[0-9.e+-]+,"peak_memory_bytes":[0-9]+,.*"trapped_syscalls":0,"exit_status":0,'; then pass "--stats=json"; else fail "--stats=json" "$errout"; fi
run "$VIV" run --stats=json --stats=false app true
if [ "$status" = 0 ] && [ -z "$errout" ]; then pass "--stats=false turns them off, as podman's switches take"; else fail "--stats=false turns them off" "$status $errout"; fi
# A guest that never started is a run too: a CI job that records the stats gets them.
run "$VIV" run --stats=json app /no/such/program
if [ "$status" = 127 ] && printf '%s' "$errout" | grep -Eq '^\{"wall_seconds":[0-9.e+-]+,.*"exit_status":127,'; then pass "--stats=json when the entrypoint is not found (127)"; else fail "--stats=json when the entrypoint is not found (127)" "$status $errout"; fi
run "$VIV" run --seccomp=unconfined app 'grep Seccomp: /proc/self/status'
if contains "$out" "0"; then pass "--seccomp=unconfined"; else fail "--seccomp=unconfined" "$out"; fi
run "$VIV" run app 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -s "\t" " "'
if [ "$out" = "$(printf 'NoNewPrivs: 1\nSeccomp: 2')" ]; then pass "no_new_privs and the seccomp filter are on"; else fail "no_new_privs and the seccomp filter are on" "$out"; fi

# Every long option of `viv run --help` is in the man page.
run "$VIV" run --help
missing=""
grep -q '^\.SS run\b' "$SRCDIR/docs/viv.1" || missing="$missing verb:run"
for flag in $(printf '%s\n' "$out" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -q -- "$(printf '%s' "$flag" | sed 's/-/\\\\-/g')" "$SRCDIR/docs/viv.1" || missing="$missing $flag"
done
if [ -z "$missing" ] && contains "$out" "Usage: viv run"; then pass "docs/viv.1 documents viv run"; else fail "docs/viv.1 documents viv run" "missing:$missing"; fi

# Mode choice for images native mode cannot run.
mkdir -p "$WORK/rv/rootfs/bin"
printf '#!/bin/sh\necho never\n' > "$WORK/rv/rootfs/bin/run" && chmod 755 "$WORK/rv/rootfs/bin/run"
printf '{"vivarium":1,"name":"rv","arch":"riscv64","entrypoint":["/bin/run"]}\n' > "$WORK/rv/manifest.json"
"$VIV" build "$WORK/rv" -o "$WORK/rv.viv" >/dev/null 2>&1
"$VIV" import -q "$WORK/rv.viv" >/dev/null 2>&1
mkdir -p "$WORK/arm/rootfs/bin" && cp "$WORK/rv/rootfs/bin/run" "$WORK/arm/rootfs/bin/run"
printf '{"vivarium":1,"name":"arm","arch":"aarch64","entrypoint":["/bin/run"]}\n' > "$WORK/arm/manifest.json"
"$VIV" build "$WORK/arm" -o "$WORK/arm.viv" >/dev/null 2>&1
if [ -n "${VIV_MODE:-}" ]; then skip "auto: an image no mode can run names each mode's reason" "VIV_MODE=$VIV_MODE replaces auto"; else
expect_err "auto: an image no mode can run names each mode's reason" 125 "viv: run: no mode can run $WORK/arm.viv (aarch64) here: native: it needs an x86_64 image; xlat: only riscv64 images can be translated; vm: it needs an x86_64 image" "$VIV" run "$WORK/arm.viv"
fi
expect_err "--mode native refuses a foreign-ISA image" 125 "viv: run: mode native cannot run rv (riscv64): it needs an x86_64 image" "$VIV" run --mode native rv
mkdir -p "$WORK/vmonly/rootfs/bin"
cp "$WORK/rv/rootfs/bin/run" "$WORK/vmonly/rootfs/bin/run"
printf '{"vivarium":1,"name":"vmonly","arch":"x86_64","entrypoint":["/bin/run"],"modes":["vm"]}\n' > "$WORK/vmonly/manifest.json"
"$VIV" build "$WORK/vmonly" -o "$WORK/vmonly.viv" >/dev/null 2>&1
expect_err "a manifest that does not allow native" 125 "viv: run: mode native cannot run $WORK/vmonly.viv (x86_64): the manifest does not allow it" "$VIV" run --mode native "$WORK/vmonly.viv"
run "$VIV" run "$WORK/vmonly.viv"
if [ "$status" = 125 ] && contains "$errout" "no mode can run" && contains "$errout" "native: the manifest does not allow it" &&
    contains "$errout" "; vm: "; then
    pass "auto: a vm-only image where vm cannot start names why"
elif [ "$status" != 125 ]; then
    pass "auto: a vm-only image runs in vm mode where /dev/kvm is usable"
else
    fail "auto: a vm-only image" "$errout"
fi

# An image a running instance uses cannot be removed under it; prune passes it by.
"$VIV" tag app held:1 >/dev/null 2>&1
"$VIV" run app 'sleep 3' >/dev/null 2>&1 &
runner=$!
sleep 1
run "$VIV" rm "$(printf '%.12s' "$("$VIV" inspect app | sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p')")"
if [ "$status" = 125 ] && contains "$errout" "is in use by a running instance" &&
    "$VIV" inspect held:1 >/dev/null 2>&1; then
    pass "rm refuses an image a running instance uses, and changes nothing"
else
    fail "rm refuses an image a running instance uses" "status $status: $errout"
fi
"$VIV" prune >/dev/null 2>&1
wait "$runner"
run "$VIV" run app 'echo still'
if [ "$out" = still ]; then pass "prune passed the running image by"; else fail "prune passed the running image by" "$out $errout"; fi
"$VIV" rm held:1 >/dev/null 2>&1
