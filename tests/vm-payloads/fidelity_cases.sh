# fidelity_cases.sh: commands that must behave the same natively and in vm mode, each one static
# process: busybox's shell with its builtins, or one applet, as the entrypoint. Sourced by
# t_vm_fidelity.sh (natively, on the host) and fidelity_suite.sh (in vm mode, where KVM works),
# each with its own `fcase NAME STDIN ARGS...` (STDIN is text fed with -i, or "" for none).
SH="--entrypoint /bin/sh busybox -c"
fcase "arguments reach the entrypoint" "" --entrypoint /bin/echo busybox one "two three"
fcase "sh -c sees \$0 and its arguments" "" $SH 'echo "$0|$1|$2"' a 'b c'
fcase "the guest's exit status" "" $SH 'exit 3'
fcase "pid 1 outlives a SIGKILL it sends itself" "" $SH 'kill -9 $$; echo alive'
fcase "pid 1 outlives a SIGTERM it sends itself" "" $SH 'kill -TERM $$; echo alive'
fcase "a trap handler runs for a signal the guest sends itself" "" $SH 'trap "echo trapped" USR1; kill -USR1 $$; echo after'
fcase "-e, PATH, HOSTNAME and HOME" "" -e FOO=bar -e PATH=/bin:/usr/bin $SH 'echo "$FOO $PATH $HOSTNAME $HOME"'
fcase "the whole environment, in order" "" -e A=1 --entrypoint /bin/env busybox
fcase "--hostname is what uname says" "" --hostname box --entrypoint /bin/uname busybox -s -n -m
fcase "the guest is pid 1, with no parent in its namespace" "" $SH 'echo $$ $PPID'
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
# Processes: fork (a copy-on-write VM per child), exec in place, waits, signals between them.
fcase "a file of the image, read by a builtin" "" $SH 'read line </etc/group; echo "$line"'
fcase "-w names the working folder, made when missing" "" -w /new/dir $SH 'pwd; cd /; ls -d /new/dir'
fcase "touch, times and owners of files" "" $SH 'touch /tmp/a && chown 1:2 /tmp/a && chgrp 3 /tmp/a && stat -c "%u %g" /tmp/a; touch -d "2020-01-02 03:04:05" /tmp/a; date -r /tmp/a +%F; chmod 600 /tmp/a; stat -c %a /tmp/a'
fcase "hard links, FIFOs, truncate and statfs" "" $SH 'echo x >/tmp/a; ln /tmp/a /tmp/b; stat -c %h /tmp/a; mkfifo /tmp/f; stat -c %F /tmp/f; truncate -s 100 /tmp/a; wc -c </tmp/b; df / >/dev/null && echo statfs'
fcase "a directory renamed in the image's root" "" $SH 'mkdir /etc/d && touch /etc/d/f && mv /etc/d /etc/e && ls /etc/e'
fcase "--read-only: the root refuses, /tmp takes" "" --read-only $SH 'touch /etc/x 2>&1; touch /tmp/y && echo tmp'
fcase "id, groups, priority, affinity, sync" "" $SH 'id; renice -n 5 $$ >/dev/null && echo reniced; taskset -p 1 $$ >/dev/null && echo pinned; sync && echo synced'
fcase "su to another user: its uid, and its rights" "" $SH 'echo "nob:x:1000:1000::/:/bin/sh" >>/etc/passwd; su -s /bin/sh -c "id -u; touch /etc/no" nob 2>&1; echo $?'
fcase "a write into the image's root shows within the run" "" $SH 'echo new >/etc/new && read x </etc/new && echo "$x"'
fcase "/tmp is writable" "" $SH 'echo t >/tmp/t && read x </tmp/t && echo "$x"'
fcase "100 builtins and a file read" "" $SH 'i=0; while [ $i -lt 100 ]; do i=$((i + 1)); done; read x </etc/passwd; echo "$i $x"'
fcase "command substitution" "" $SH 'echo "$(echo hi)"'
fcase "a subshell's exit status" "" $SH '(exit 7); echo $?'
fcase "a pipeline of ten stages" "" $SH 'seq 100 | grep 1 | grep -v 5 | sort -r | head -n 15 | tail -n 12 | cut -c1-2 | sort | tr 1 x | wc -l'
fcase "sh -c runs a pipeline" "" $SH "sh -c 'cat /etc/passwd | wc -l'"
fcase "exec replaces the shell" "" $SH 'exec /bin/echo replaced'
fcase "a #! script with an argument" "" $SH 'printf "#!/bin/sh -e\necho script \$0 \$1\nexit 4\n" >/tmp/s && chmod +x /tmp/s && /tmp/s arg; echo $?'
fcase "a missing #! interpreter: 127" "" $SH 'printf "#!/bin/none\n" >/tmp/n && chmod +x /tmp/n && /tmp/n; echo $?'
fcase "a child knows its parent as pid 1" "" $SH 'sh -c "echo \$PPID"; true'
fcase "wait gives each child's status" "" $SH 'sh -c "exit 3" & a=$!; (exit 5) & b=$!; wait $b; echo $?; wait $a; echo $?'
fcase "a child killed by SIGKILL: 137" "" $SH 'sh -c "kill -9 \$\$"; echo $?'
fcase "a child killed by SIGTERM: 143" "" $SH 'sh -c "kill -TERM \$\$"; echo $?'
fcase "kill of a background child: 143" "" $SH '{ sleep 10 & kill $!; wait $!; echo $?; } 2>/dev/null'
fcase "a child signals its parent; kill 0 ends the whole group: 143" "" $SH 'trap "echo got USR1" USR1; sh -c "kill -USR1 \$PPID"; echo after; sleep 5 & kill -TERM 0; echo notreached'
fcase "SIGPIPE ends the writer of a closed pipe" "" $SH 'busybox yes | head -n 2; echo $?'
fcase "close-on-exec fds are closed by exec" "" $SH 'exec 3</etc/passwd; ls /proc/self/fd/ | wc -l'
fcase "/proc/self/status has the guest's ids" "" $SH 'while read k v; do case $k in Pid:|PPid:|Tgid:) echo "$k $v" ;; esac; done </proc/self/status'
fcase "/proc/self/maps has the guest's stack, nothing of viv" "" $SH 'grep -c "\[stack\]" /proc/self/maps; grep -c viv /proc/self/maps'
fcase "/proc/self/exe is the guest's program" "" $SH 'readlink /proc/self/exe; cat /proc/self/exe | wc -c'
# A fork flood under --pids-limit: the fork that would pass the limit fails with EAGAIN (sh says
# so and ends, 2), within the limit; in vm mode each guest fork is a fork of the VMM, which the
# limit counts as natively. Background sleeps keep every fork alive until the shell ends.
fcase "a fork flood under --pids-limit 20 is contained" "" --pids-limit 20 --timeout 60 $SH 'sh -c "i=0; while [ \$i -lt 40 ]; do sleep 10 & i=\$((i + 1)); echo \$i >/tmp/n; done"; echo "sh: $?"; read n </tmp/n; [ "$n" -lt 20 ] && echo "fewer than 20 forks"'
# Dynamically linked glibc programs (the host's, with their libraries): PT_INTERP loads the
# image's ld.so, which maps the libraries through the guest's mmap of files.
fcase "glibc ls -l, dynamically linked" "" --entrypoint /bin/ls dyn -l /bin /lib64
fcase "glibc grep" "" --entrypoint /bin/grep dyn -c root /etc/passwd
fcase "awk (mawk)" "" --entrypoint /bin/awk dyn 'BEGIN { n = split("a b c", x); print n * 14 }'
fcase "perl -e" "" --entrypoint /bin/perl dyn -e 'print "perl ", 2**10, "\n"; exit 3'
fcase "a #! script as the entrypoint" "" --entrypoint /bin/pscript dyn a 'b c'
fcase "glibc threads, dynamically linked: mutex, condition variable, TLS, joins" "" --entrypoint /bin/threads dyn mutex-cond
fcase "glibc threads, dynamically linked: exit_group over blocked threads" "" --entrypoint /bin/threads dyn exit-group
# Sockets and event fds: an fd passed over a socketpair, datagram batches, path sockets, TCP over
# the instance's loopback, epoll with an eventfd and a timerfd, signalfd.
fcase "sockets, epoll, eventfd, timerfd and signalfd" "" --entrypoint /bin/net dyn
# Debian 12 (examples/build-debian.sh), where it could be built: bash, dash, coreutils, perl and
# python3, all dynamically linked against the image's glibc.
if [ -n "${MUSL:-}" ]; then
    fcase "musl threads, static: mutex, condition variable, TLS, joins" "" --entrypoint /bin/threads-musl dyn mutex-cond
    fcase "musl threads, dynamically linked through musl's loader" "" --entrypoint /bin/threads-musl-dyn dyn mutex-cond
    fcase "musl: exit_group over blocked threads" "" --entrypoint /bin/threads-musl dyn exit-group
fi
if [ -n "${DEBIAN:-}" ]; then
    fcase "python3 -c (Debian)" "" debian python3 -c 'import sys, os; print(sys.version_info[0], sum(range(100)), os.getpid())'
    fcase "bash: command substitution and a pipeline (Debian)" "" debian bash -c 'x=$(seq 3 | tr "\n" +); echo "${x}0"; ls /usr | wc -l'
    fcase "dash, sort and grep (Debian)" "" debian sh -c 'printf "b\na\n" | sort | grep -c a; env | grep -c ^PATH='
    fcase "python3 subprocess and os.system: vfork and exec (Debian)" "" debian python3 -c 'import subprocess, os; r = subprocess.run(["sh", "-c", "echo hi; exit 4"], capture_output=True); print(r.stdout, r.returncode, os.system("false") >> 8)'
    fcase "python3 threading: 4 threads, a lock and joins (Debian)" "" debian python3 -c 'import threading; n = [0]; l = threading.Lock()
def f():
    for i in range(2000):
        with l: n[0] += 1
t = [threading.Thread(target=f) for i in range(4)]; [x.start() for x in t]; [x.join() for x in t]; print(n[0], threading.active_count())'
    fcase "python3 socketpair: bytes both ways and an fd passed (Debian)" "" debian python3 -c 'import socket, os
a, b = socket.socketpair(); a.sendall(b"ping"); print(b.recv(4)); b.send(b"pong!"); print(a.recv(5))
r, w = os.pipe(); os.write(w, b"via SCM_RIGHTS"); socket.send_fds(a, [b"f"], [r])
msg, fds, flags, addr = socket.recv_fds(b, 1, 1); print(msg, len(fds), os.read(fds[0], 64))'
    fcase "python3 selectors (epoll): a TCP echo server on 127.0.0.1, an eventfd and a timeout (Debian)" "" debian python3 -c 'import selectors, socket, os, threading
sel = selectors.DefaultSelector(); print(type(sel).__name__)
srv = socket.create_server(("127.0.0.1", 0)); srv.setblocking(False); sel.register(srv, selectors.EVENT_READ, "accept")
efd = os.eventfd(0, os.EFD_NONBLOCK); sel.register(efd, selectors.EVENT_READ, "wake")
cli = socket.create_connection(srv.getsockname()); cli.sendall(b"echo me\n")
threading.Timer(0.05, lambda: os.eventfd_write(efd, 3)).start()
seen = []
while len(seen) < 3:
    for key, ev in sel.select(timeout=5):
        if key.data == "accept":
            conn, peer = srv.accept(); conn.setblocking(False); sel.register(conn, selectors.EVENT_READ, "echo"); seen.append("accept " + peer[0])
        elif key.data == "echo":
            data = key.fileobj.recv(64); key.fileobj.sendall(data.upper()); seen.append("echo")
        else:
            seen.append("wake %d" % os.eventfd_read(efd))
print(sorted(seen), cli.recv(64), sel.select(timeout=0.02))'
    fcase "python3 a unix datagram socket at a path (Debian)" "" debian python3 -c 'import socket, os, stat
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("/tmp/srv.sock")
c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); c.bind("/tmp/cli.sock"); c.sendto(b"dgram", "/tmp/srv.sock")
print(s.recvfrom(16), s.getsockname(), stat.S_ISSOCK(os.stat("/tmp/srv.sock").st_mode))'
    fcase "perl -e (Debian)" "" debian perl -e 'print join(",", map { $_ * 2 } 1..3), "\n"'
    fcase "a missing program in bash: 127 (Debian)" "" debian bash -c 'nope; echo $?'
fi
# /proc/self/maps names what is mapped as Linux does: the program's own file (its inode as stat
# says), the heap after malloc, and libc as ld.so maps it, line by line with rights and offsets
# (device and inode numbers differ between the machines the two sides may run on).
fcase "/proc/self/maps names the program's text by its file and inode, and the heap" "" $SH 'set -- $(grep " r-xp .* /bin/busybox$" /proc/self/maps); [ "$5" = "$(stat -c %i /bin/busybox)" ] && echo "the text of /bin/busybox, inode as stat says"; grep -q " /bin/busybox$" /proc/self/maps && echo named; grep -q " 00:00 0 *\[heap\]$" /proc/self/maps && echo heap'
fcase "/proc/self/maps: libc as ld.so maps it, with rights, offsets and path" "" --entrypoint /bin/awk dyn '/libc\.so\.6$/ { print $2, $3, $6 }' /proc/self/maps
fcase "/proc/self/maps names the vDSO and its data page as Linux does" "" $SH 'awk '\''$6 == "[vdso]" || $6 == "[vvar]" { print $2, $6 }'\'' /proc/self/maps | sort'
# exec's layout (tests/riscv/layout.c, built with 64 KiB alignment so that its segments have
# gaps): the gaps are holes that fault and that mmap may take, not ---p lines; ld.so's the same;
# [stack] as large as exec makes it, growing down to a page the program touches below it.
fcase "/proc/self/maps: holes between a program's segments, [stack] as exec sizes it (PIE)" "" --entrypoint /bin/layout dyn
fcase "/proc/self/maps: holes between a program's segments, [stack] as exec sizes it (static)" "" --entrypoint /bin/layout-static dyn
# A lowered RLIMIT_NOFILE is the guest's own: it reads back as set, holds in a child, cannot be
# raised again, and a fork still runs (the engine's fds live above it).
fcase "ulimit -n lowered: read back, kept by a forked child, not raised again" "" $SH 'ulimit -n 64; ulimit -n; ulimit -Hn; sh -c "ulimit -n; echo a child ran"; ulimit -n 128 2>/dev/null || echo "raising refused"'
