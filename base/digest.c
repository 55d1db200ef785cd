/* digest.c: what a SHA-256 name looks like, for code that only reads names (viv itself links no
 * hashing: see runner/main.c). */
#include "base.h"

bool viv_digest_valid(const char *hex)
{
    for (int i = 0; i < 64; i++) {
        char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return hex[64] == '\0';
}
