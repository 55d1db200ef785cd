# fidelity_cases.sh: commands that must behave the same natively and in vm mode, each one static
# process: busybox's shell with its builtins, or one applet, as the entrypoint. Sourced by
# t_vm_fidelity.sh (natively, on the host) and fidelity_suite.sh (in vm mode, where KVM works),
# each with its own `fcase NAME STDIN ARGS...` (STDIN is text fed with -i, or "" for none).
SH="--entrypoint /bin/sh busybox -c"
fcase "arguments reach the entrypoint" "" --entrypoint /bin/echo busybox one "two three"
fcase "sh -c sees \$0 and its arguments" "" $SH 'echo "$0|$1|$2"' a 'b c'
fcase "the guest's exit status" "" $SH 'exit 3'
fcase "killed by SIGKILL: 137" "" $SH 'kill -9 $$'
fcase "killed by SIGTERM: 143" "" $SH 'kill -TERM $$'
fcase "a trap handler runs for a signal the guest sends itself" "" $SH 'trap "echo trapped" USR1; kill -USR1 $$; echo after'
fcase "-e, PATH, HOSTNAME and HOME" "" -e FOO=bar -e PATH=/bin:/usr/bin $SH 'echo "$FOO $PATH $HOSTNAME $HOME"'
fcase "the whole environment, in order" "" -e A=1 --entrypoint /bin/env busybox
fcase "--hostname is what uname says" "" --hostname box --entrypoint /bin/uname busybox -s -n -m
fcase "the guest is pid 2, its parent pid 1" "" $SH 'echo $$ $PPID'
fcase "a file of the image, read by an applet" "" --entrypoint /bin/cat busybox /etc/passwd
fcase "-i passes stdin" "piped in" -i --entrypoint /bin/cat busybox
fcase "without -i stdin is empty" "not for the guest" --entrypoint /bin/cat busybox
fcase "--read-only refuses writes into the root" "" --read-only $SH 'echo x >/etc/x || echo refused'
fcase "a file's size through stat" "" --entrypoint /bin/wc busybox -c /bin/busybox
fcase "sha256 of a large file" "" --entrypoint /bin/sha256sum busybox /bin/busybox
fcase "/dev/zero reads zeros" "" --entrypoint /bin/head busybox -c 8 /dev/zero
fcase "the year from the clock" "" --entrypoint /bin/date busybox +%Y
fcase "sleep returns" "" --entrypoint /bin/sleep busybox 0.1
fcase "false is 1" "" --entrypoint /bin/false busybox
fcase "an entrypoint that does not exist: 127" "" --entrypoint /bin/nope busybox
fcase "an entrypoint that is a folder: 126" "" --entrypoint /etc busybox
fcase "an entrypoint that is not executable: 126" "" --entrypoint /etc/passwd busybox
fcase "--timeout stops a spinning guest: 124" "" --timeout 1 $SH 'while :; do :; done'
