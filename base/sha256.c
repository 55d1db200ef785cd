/* sha256.c: one SHA-256 for the catalog's objects and the importers' blob checks. */
#include "base.h"

#include <openssl/evp.h>

struct viv_sha256 {
    EVP_MD_CTX *md;
};

struct viv_sha256 *viv_sha256_new(void)
{
    struct viv_sha256 *h = viv_xmalloc(sizeof(*h));
    h->md = EVP_MD_CTX_new();
    if (!h->md || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
        /* Only allocation can fail here: treat it as out of memory. */
        fputs("viv: out of memory (SHA-256 context)\n", stderr);
        _exit(125);
    }
    return h;
}

void viv_sha256_update(struct viv_sha256 *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h->md, data, len);
}

void viv_sha256_final(struct viv_sha256 *h, char hex[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(h->md, md, &n);
    EVP_MD_CTX_free(h->md);
    free(h);
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
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

bool viv_digest_valid(const char *hex)
{
    for (int i = 0; i < 64; i++) {
        char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return hex[64] == '\0';
}
