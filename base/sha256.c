/* sha256.c: one SHA-256 for the catalog's objects and the importers' blob checks.
 *
 * libcrypto's SHA256_* calls, not EVP: EVP_sha256 links in OpenSSL's provider machinery, whose
 * method tables are 12,000 relocations that every start of viv pays for (a quarter of a
 * millisecond of each `viv run` here). The digest code itself is the same (the CPU's SHA
 * extensions where it has them); OpenSSL 3 marks these calls deprecated in favour of EVP, for
 * algorithm agility this catalog does not want: its object names are SHA-256 by format. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "base.h"

#include <openssl/sha.h>

struct viv_sha256 {
    SHA256_CTX ctx;
};

struct viv_sha256 *viv_sha256_new(void)
{
    struct viv_sha256 *h = viv_xmalloc(sizeof(*h));
    SHA256_Init(&h->ctx);
    return h;
}

void viv_sha256_update(struct viv_sha256 *h, const void *data, size_t len)
{
    SHA256_Update(&h->ctx, data, len);
}

void viv_sha256_final(struct viv_sha256 *h, char hex[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256_Final(md, &h->ctx);
    free(h);
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

void viv_sha256_hex(const void *data, size_t len, char hex[65])
{
    struct viv_sha256 *h = viv_sha256_new();
    viv_sha256_update(h, data, len);
    viv_sha256_final(h, hex);
}
