/* run_hosts.c: `viv run --add-host NAME:IP`, lines of the instance's /etc/hosts as podman adds
 * them. */
#include "run_flags.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* What the instance's /etc/hosts may hold of them: it is written from a fixed buffer, beside the
 * host's own lines under --network host. */
#define ADDED_HOSTS_MAX 4096

static bool host_name_valid(const char *s, size_t n)
{
    if (n == 0 || s[0] == '-' || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", s[i]))
            return false;
    return true;
}

int run_add_host(struct run_flags *f, const char *arg, struct viv_error *err)
{
    /* NAME:IP, the address after the first colon (an IPv6 one has its own), bracketed or not;
     * several names, NAME;NAME:IP, as podman 5 takes them. */
    const char *colon = strchr(arg, ':');
    if (!colon || colon == arg || !colon[1])
        return viv_fail(err, 0, "--add-host '%s': expected NAME:IP", arg);
    _cleanup_free_ char *ip = viv_xstrdup(colon + 1);
    size_t iplen = strlen(ip);
    if (ip[0] == '[' && iplen > 2 && ip[iplen - 1] == ']') {
        memmove(ip, ip + 1, iplen - 2);
        ip[iplen - 2] = '\0';
    }
    unsigned char addr[16];
    if (strcmp(ip, "host-gateway") == 0) {
        /* The host's own addresses are the guest's only on the host's network. */
        f->add_host_gateway = true;
        free(ip);
        ip = viv_xstrdup("127.0.0.1");
    } else if (inet_pton(AF_INET, ip, addr) != 1 && inet_pton(AF_INET6, ip, addr) != 1) {
        return viv_fail(err, 0, "--add-host '%s': '%s' is no IPv4 or IPv6 address", arg, ip);
    }
    _cleanup_free_ char *names = viv_xasprintf("%.*s", (int)(colon - arg), arg);
    if (!names[strspn(names, ";")])
        return viv_fail(err, 0, "--add-host '%s': expected NAME:IP", arg);
    for (char *save = NULL, *n = strtok_r(names, ";", &save); n; n = strtok_r(NULL, ";", &save)) {
        if (strlen(n) > 253)
            return viv_fail(err, 0, "--add-host '%s': a host name is at most 253 bytes", arg);
        if (!host_name_valid(n, strlen(n)))
            return viv_fail(err, 0,
                            "--add-host '%s': '%s' is no host name (letters, digits, '-', '_' "
                            "and '.')",
                            arg, n);
        char *line = viv_xasprintf("%s%s\t%s\n", f->added_hosts ? f->added_hosts : "", ip, n);
        free(f->added_hosts);
        f->added_hosts = line;
    }
    if (f->added_hosts && strlen(f->added_hosts) > ADDED_HOSTS_MAX)
        return viv_fail(err, 0, "--add-host: more than %d bytes of /etc/hosts lines",
                        ADDED_HOSTS_MAX);
    return 0;
}
