/* ref.c: image names, tags and "name[:tag]" references; architecture and mode names. */
#include "appliance-fmt/appliance.h"

#include <string.h>

#define REF_PART_MAX 128

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* Names become folders under refs/ in the catalog, so besides the character set every
 * '/'-separated component must start with a letter or digit: that rules out empty, "." and ".."
 * components and a leading or trailing slash. */
const char *viv_name_problem(const char *name)
{
    size_t len = strlen(name);
    if (len == 0)
        return "must not be empty";
    if (len > REF_PART_MAX)
        return "longer than 128 bytes";
    bool start = true;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (start) {
            if (!is_lower_alnum(c))
                return c == '/' ? "has an empty component"
                                : "each component must start with a lowercase letter or digit";
            start = false;
            continue;
        }
        if (c == '/') {
            start = true;
            continue;
        }
        if (!is_lower_alnum(c) && c != '.' && c != '_' && c != '-')
            return "may hold only lowercase letters, digits and . _ - /";
    }
    if (start)
        return "must not end with '/'";
    return NULL;
}

/* Tags become file names under refs/<name>/, so "." and ".." must never be tags: a tag starts
 * with a letter, digit or underscore (as Docker tags do). */
const char *viv_tag_problem(const char *tag)
{
    size_t len = strlen(tag);
    if (len == 0)
        return "must not be empty";
    if (len > REF_PART_MAX)
        return "longer than 128 bytes";
    if (!is_alnum(tag[0]) && tag[0] != '_')
        return "must start with a letter, digit or underscore";
    for (const char *p = tag; *p; p++)
        if (!is_alnum(*p) && *p != '.' && *p != '_' && *p != '-')
            return "may hold only letters, digits and . _ -";
    return NULL;
}

bool viv_name_valid(const char *name)
{
    return name && !viv_name_problem(name);
}

bool viv_tag_valid(const char *tag)
{
    return tag && !viv_tag_problem(tag);
}

/* Names hold no ':', so the first one separates the tag. */
int viv_ref_parse(const char *ref, char **name, char **tag, struct viv_error *err)
{
    const char *colon = strchr(ref, ':');
    size_t nlen = colon ? (size_t)(colon - ref) : strlen(ref);
    if (nlen > REF_PART_MAX) {
        char head[33];
        snprintf(head, sizeof(head), "%.32s", ref);
        return viv_fail(err, 0, "invalid image reference '%s...': name longer than 128 bytes",
                        head);
    }
    char n[REF_PART_MAX + 1];
    memcpy(n, ref, nlen);
    n[nlen] = '\0';
    const char *why = viv_name_problem(n);
    if (why)
        return viv_fail(err, 0, "invalid image reference '%.200s': name '%s' %s", ref, n, why);
    const char *t = colon ? colon + 1 : "latest";
    why = viv_tag_problem(t);
    if (why)
        return viv_fail(err, 0, "invalid image reference '%.200s': tag '%.200s' %s", ref, t, why);
    *name = viv_xstrdup(n);
    *tag = viv_xstrdup(t);
    return 0;
}

static const char *const arch_names[] = {
    [VIV_ARCH_X86_64] = "x86_64",
    [VIV_ARCH_RISCV64] = "riscv64",
    [VIV_ARCH_AARCH64] = "aarch64",
};

const char *viv_arch_name(enum viv_arch arch)
{
    if ((unsigned)arch < VIV_ARRAY_SIZE(arch_names))
        return arch_names[arch];
    return "unknown";
}

int viv_arch_parse(const char *name, enum viv_arch *arch)
{
    for (size_t i = 0; i < VIV_ARRAY_SIZE(arch_names); i++)
        if (strcmp(name, arch_names[i]) == 0) {
            *arch = (enum viv_arch)i;
            return 0;
        }
    return -1;
}

/* x86_64 images run on the host CPU, directly or in a micro-VM; foreign ISAs run natively only
 * on a host of their own ISA, else through the translator (the VM runs host-ISA code only). */
unsigned viv_arch_default_modes(enum viv_arch arch)
{
    switch (arch) {
    case VIV_ARCH_X86_64:
        return VIV_MODE_NATIVE | VIV_MODE_VM;
    case VIV_ARCH_RISCV64:
    case VIV_ARCH_AARCH64:
        return VIV_MODE_NATIVE | VIV_MODE_XLAT;
    }
    return VIV_MODE_NATIVE;
}

const char *viv_mode_name(enum viv_mode_bit mode)
{
    switch (mode) {
    case VIV_MODE_NATIVE:
        return "native";
    case VIV_MODE_VM:
        return "vm";
    case VIV_MODE_XLAT:
        return "xlat";
    }
    return "unknown";
}
