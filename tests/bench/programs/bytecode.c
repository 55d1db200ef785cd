/* bytecode.c: a branchy interpreter: a small stack machine running a counting loop, the kind of
 * code that spends its time in indirect jumps. */
#include <stdint.h>
#include <stdio.h>

enum { PUSH, ADD, SUB, MUL, DUP, SWAP, JNZ, POP, MOD, HALT };

static int64_t run(const int64_t *code)
{
    int64_t stack[64];
    int sp = 0;
    const int64_t *pc = code;
    int64_t acc = 0;
    for (;;) {
        switch (*pc++) {
        case PUSH: stack[sp++] = *pc++; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case SWAP: { int64_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
        case POP: acc += stack[--sp]; break;
        case JNZ: { int64_t off = *pc++; if (stack[sp - 1]) pc += off; break; }
        default: return acc + stack[sp - 1];
        }
    }
}

int main(void)
{
    /* counter = 3,000,000; loop: acc += (counter * 7) % 1000; counter -= 1 */
    static const int64_t prog[] = {
        PUSH, 3000000,
        DUP, PUSH, 7, MUL, PUSH, 1000, MOD, POP,
        PUSH, 1, SUB,
        JNZ, -13,
        HALT,
    };
    printf("result %lld\n", (long long)run(prog));
    return 0;
}
