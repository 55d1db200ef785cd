/* rv_fparith: F/D arithmetic and conversions on the host FPU, with exact RISC-V flags and RMM. */
#include "isa-xlat/rv_fp.h"
#include "isa-xlat/rv_internal.h"

#include <fenv.h>
#include <math.h>

/* The host FPU does RNE/RTZ/RDN/RUP arithmetic and raises the IEEE flags. x86 SSE detects
 * tininess after rounding, as RISC-V does (spec 11.2), and sets underflow only when the tiny
 * result is also inexact, as IEEE 754 default handling and RISC-V require. */
#if defined(__x86_64__)
static inline uint32_t csr_get(void)
{
    uint32_t v;
    __asm__ volatile("stmxcsr %0" : "=m"(v)::"memory");
    return v;
}
static inline void csr_set(uint32_t v)
{
    __asm__ volatile("ldmxcsr %0" ::"m"(v) : "memory");
}
static uint32_t env_begin(unsigned rm)
{
    static const uint32_t rc[4] = {0u << 13, 3u << 13, 1u << 13, 2u << 13}; /* RNE RTZ RDN RUP */
    uint32_t saved = csr_get();
    /* Exceptions masked (0x1f80), flags clear, and no flush-to-zero (bit 15) or
     * denormals-are-zero (bit 6), whatever the host code around us chose. */
    csr_set(0x1f80u | rc[rm & 3]);
    return saved;
}
static uint32_t env_end(uint32_t saved)
{
    uint32_t c = csr_get();
    csr_set(saved);
    return (c & 0x01 ? RV_FF_NV : 0) | (c & 0x04 ? RV_FF_DZ : 0) | (c & 0x08 ? RV_FF_OF : 0) |
           (c & 0x10 ? RV_FF_UF : 0) | (c & 0x20 ? RV_FF_NX : 0);
}
#define BAR(v) __asm__ volatile("" : "+x"(v))
#else
/* Portable fallback. Note that some hosts (Arm) detect tininess before rounding: there the UF
 * flag differs from RISC-V's in the rare results just below the smallest normal. */
static uint32_t env_begin(unsigned rm)
{
    static const int mode[4] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
    uint32_t saved = (uint32_t)fegetround();
    fesetround(mode[rm & 3]);
    feclearexcept(FE_ALL_EXCEPT);
    return saved;
}
static uint32_t env_end(uint32_t saved)
{
    int c = fetestexcept(FE_ALL_EXCEPT);
    fesetround((int)saved);
    return (c & FE_INVALID ? RV_FF_NV : 0) | (c & FE_DIVBYZERO ? RV_FF_DZ : 0) |
           (c & FE_OVERFLOW ? RV_FF_OF : 0) | (c & FE_UNDERFLOW ? RV_FF_UF : 0) |
           (c & FE_INEXACT ? RV_FF_NX : 0);
}
#define BAR(v) __asm__ volatile("" : "+g"(v))
#endif


#define ONE ((unsigned __int128)1)

/* Round a finite nonzero binary128 value to p bits (24 or 53) with ties away from zero, for
 * RMM, which hosts lack. Binary128 holds every product exactly and every sum, quotient and
 * conversion of our operands either exactly or too far from a midpoint to matter; but it may
 * drop a far sticky bit, so callers only come here for results the host already found inexact
 * (exactness does not depend on the rounding mode). Tininess is judged after rounding (spec
 * 11.2). Returns the binary32/binary64 bits. */
static uint64_t round_rmm(__float128 q, unsigned p, int emin, int emax, uint32_t *fl)
{
    unsigned __int128 u;
    memcpy(&u, &q, 16);
    unsigned width = p == 24 ? 32 : 64;
    uint64_t sign = (uint64_t)(u >> 127) << (width - 1);
    int e = (int)((u >> 112) & 0x7fff) - 16383;
    unsigned __int128 m = (u & ((ONE << 112) - 1)) | (ONE << 112);
    unsigned shift = 113 - p;
    bool tiny = e < emin;
    if (e == emin - 1) { /* rounding with unbounded exponent may carry up to the minimum normal */
        unsigned __int128 m0 = (m >> shift) + ((m & ((ONE << shift) - 1)) >= (ONE << (shift - 1)));
        if (m0 >> p)
            tiny = false;
    }
    if (e < emin)
        shift += (unsigned)(emin - e);
    unsigned __int128 m2 = 0;
    if (shift <= 113)
        m2 = (m >> shift) + ((m & ((ONE << shift) - 1)) >= (ONE << (shift - 1)));
    uint64_t bits;
    if (e >= emin) {
        if (m2 >> p) {
            m2 >>= 1;
            e++;
        }
        if (e > emax) {
            *fl |= RV_FF_OF | RV_FF_NX;
            return sign | ((uint64_t)(2 * emax + 1) << (p - 1)); /* infinity */
        }
        bits = ((uint64_t)(e + emax) << (p - 1)) | ((uint64_t)m2 & ((1ull << (p - 1)) - 1));
    } else {
        bits = (uint64_t)m2; /* subnormal; a carry into bit p-1 makes it the minimum normal */
    }
    *fl |= RV_FF_NX | (tiny ? RV_FF_UF : 0);
    return sign | bits;
}

/* p + c in binary128 rounded to odd (truncate, then set the last bit if anything was lost):
 * with 113 bits against at most 53 + 2, rounding that once more gives the correctly rounded
 * sum. The error term comes exactly from Knuth's two-sum. */
static __float128 add_odd(__float128 p, __float128 c)
{
    __float128 s = p + c, bb = s - p, e = (p - (s - bb)) + (c - bb);
    if (e == 0)
        return s;
    unsigned __int128 u;
    memcpy(&u, &s, 16);
    if ((e < 0) != (s < 0))
        u -= 1; /* the exact sum is nearer zero than s: step the magnitude down one ulp */
    u |= 1;
    memcpy(&s, &u, 16);
    return s;
}

static __float128 q_op(enum rv_fk k, __float128 a, __float128 b, __float128 c)
{
    switch (k) {
    case RV_FK_ADD:
        return a + b;
    case RV_FK_SUB:
        return a - b;
    case RV_FK_MUL:
        return a * b;
    case RV_FK_DIV:
        return a / b;
    case RV_FK_FMADD:
        return add_odd(a * b, c); /* a * b is exact in binary128 */
    case RV_FK_FMSUB:
        return add_odd(a * b, -c);
    case RV_FK_FNMSUB:
        return add_odd(-(a * b), c);
    case RV_FK_FNMADD:
        return add_odd(-(a * b), -c);
    case RV_FK_SQRT:
        break; /* never a tie: sqrt of a float is never a midpoint */
    }
    return a;
}

/* fma(inf, 0, c) is invalid even when c is a quiet NaN (spec 11.6). */
static bool inf_times_zero_d(double a, double b)
{
    return (isinf(a) && b == 0) || (a == 0 && isinf(b));
}

/* One body for both widths (the F and D extensions define the same operations, chapters 11 and
 * 12): T is the C type, U its bit pattern, the rest what differs between them. */
#define RV_ARITH(name, T, U, of, bits, sqrt_fn, fma_fn, canon, mant, emin, emax)               \
    U name(enum rv_fk k, U ua, U ub, U uc, unsigned rm, uint32_t *fl)                           \
    {                                                                                           \
        T a = of(ua), b = of(ub), c = of(uc), r;                                                \
        /* fma of inf * 0 is invalid even with a quiet NaN addend (spec 11.6). */               \
        if (k >= RV_FK_FMADD && inf_times_zero_d(a, b)) {                                       \
            *fl |= RV_FF_NV;                                                                    \
            return canon;                                                                       \
        }                                                                                       \
        uint32_t env = env_begin(rm == RV_RMM ? RV_RNE : rm);                                   \
        BAR(a);                                                                                 \
        BAR(b);                                                                                 \
        BAR(c);                                                                                 \
        switch (k) {                                                                            \
        case RV_FK_ADD:                                                                         \
            r = a + b;                                                                          \
            break;                                                                              \
        case RV_FK_SUB:                                                                         \
            r = a - b;                                                                          \
            break;                                                                              \
        case RV_FK_MUL:                                                                         \
            r = a * b;                                                                          \
            break;                                                                              \
        case RV_FK_DIV:                                                                         \
            r = a / b;                                                                          \
            break;                                                                              \
        case RV_FK_SQRT:                                                                        \
            r = sqrt_fn(a);                                                                     \
            break;                                                                              \
        case RV_FK_FMADD:                                                                       \
            r = fma_fn(a, b, c);                                                                \
            break;                                                                              \
        case RV_FK_FMSUB:                                                                       \
            r = fma_fn(a, b, -c);                                                               \
            break;                                                                              \
        case RV_FK_FNMSUB:                                                                      \
            r = fma_fn(-a, b, c);                                                               \
            break;                                                                              \
        default:                                                                                \
            r = fma_fn(-a, b, -c);                                                              \
            break;                                                                              \
        }                                                                                       \
        BAR(r);                                                                                 \
        uint32_t f = env_end(env);                                                              \
        if (isnan(r)) {                                                                         \
            *fl |= f;                                                                           \
            return canon;                                                                       \
        }                                                                                       \
        /* The host has no round-to-max-magnitude: redo an inexact result exactly. */           \
        if (rm == RV_RMM && (f & RV_FF_NX) && !(f & RV_FF_OF) && k != RV_FK_SQRT) {             \
            uint32_t f2 = 0;                                                                    \
            U v = (U)round_rmm(q_op(k, a, b, c), mant, emin, emax, &f2);                        \
            *fl |= (f & ~(RV_FF_NX | RV_FF_UF)) | f2;                                           \
            return v;                                                                           \
        }                                                                                       \
        *fl |= f;                                                                               \
        return bits(r);                                                                         \
    }

RV_ARITH(rv_f64_arith, double, uint64_t, rv_d_of, rv_bits_d, __builtin_sqrt, fma,
         RV_CANON_NAN_D, 53, -1022, 1023)
RV_ARITH(rv_f32_arith, float, uint32_t, rv_f_of, rv_bits_f, __builtin_sqrtf, fmaf,
         RV_CANON_NAN_S, 24, -126, 127)

uint32_t rv_f64_to_f32(uint64_t ua, unsigned rm, uint32_t *fl)
{
    double a = rv_d_of(ua);
    if (isnan(a)) {
        *fl |= rv_f64_is_snan(ua) ? RV_FF_NV : 0;
        return RV_CANON_NAN_S;
    }
    uint32_t env = env_begin(rm == RV_RMM ? RV_RNE : rm);
    BAR(a);
    float r = (float)a;
    BAR(r);
    uint32_t f = env_end(env);
    if (rm == RV_RMM && (f & RV_FF_NX) && !(f & RV_FF_OF)) {
        uint32_t f2 = 0;
        uint32_t v = (uint32_t)round_rmm(a, 24, -126, 127, &f2);
        *fl |= f2;
        return v;
    }
    *fl |= f;
    return rv_bits_f(r);
}

uint64_t rv_f32_to_f64(uint32_t ua, uint32_t *fl)
{
    if (rv_f32_is_nan(ua)) {
        *fl |= rv_f32_is_snan(ua) ? RV_FF_NV : 0;
        return RV_CANON_NAN_D;
    }
    return rv_bits_d((double)rv_f_of(ua)); /* exact */
}

uint32_t rv_int_to_f32(uint64_t v, bool is_signed, unsigned rm, uint32_t *fl)
{
    uint32_t env = env_begin(rm == RV_RMM ? RV_RNE : rm);
    BAR(v);
    float r = is_signed ? (float)(int64_t)v : (float)v;
    BAR(r);
    uint32_t f = env_end(env);
    if (rm == RV_RMM && (f & RV_FF_NX)) {
        __float128 q = is_signed ? (__float128)(int64_t)v : (__float128)v;
        uint32_t f2 = 0;
        uint32_t res = (uint32_t)round_rmm(q, 24, -126, 127, &f2);
        *fl |= f2;
        return res;
    }
    *fl |= f;
    return rv_bits_f(r);
}

uint64_t rv_int_to_f64(uint64_t v, bool is_signed, unsigned rm, uint32_t *fl)
{
    uint32_t env = env_begin(rm == RV_RMM ? RV_RNE : rm);
    BAR(v);
    double r = is_signed ? (double)(int64_t)v : (double)v;
    BAR(r);
    uint32_t f = env_end(env);
    if (rm == RV_RMM && (f & RV_FF_NX)) {
        __float128 q = is_signed ? (__float128)(int64_t)v : (__float128)v;
        uint32_t f2 = 0;
        uint64_t res = round_rmm(q, 53, -1022, 1023, &f2);
        *fl |= f2;
        return res;
    }
    *fl |= f;
    return rv_bits_d(r);
}

/* Round to an integral value in mode rm using only exact operations. */
static double round_integral(double x, unsigned rm)
{
    if (!(fabs(x) < 0x1p52))
        return x; /* already integral */
    double t = trunc(x), frac = fabs(x - t), away = x < 0 ? t - 1 : t + 1;
    if (frac == 0)
        return t;
    switch (rm) {
    case RV_RTZ:
        return t;
    case RV_RDN:
        return x < 0 ? away : t;
    case RV_RUP:
        return x > 0 ? away : t;
    case RV_RMM:
        return frac >= 0.5 ? away : t;
    default: /* RNE */
        if (frac != 0.5)
            return frac > 0.5 ? away : t;
        return fmod(t, 2) == 0 ? t : away;
    }
}

uint64_t rv_fp_to_int(double x, bool is_nan, enum rv_int_kind kind, unsigned rm, uint32_t *fl)
{
    static const double lo[4] = {-0x1p31, 0, -0x1p63, 0};
    static const double hi[4] = {0x1p31, 0x1p32, 0x1p63, 0x1p64}; /* exclusive */
    static const uint64_t vmin[4] = {(uint64_t)(int64_t)INT32_MIN, 0, (uint64_t)INT64_MIN, 0};
    static const uint64_t vmax[4] = {INT32_MAX, UINT64_MAX, INT64_MAX, UINT64_MAX};
    if (is_nan) {
        *fl |= RV_FF_NV;
        return vmax[kind];
    }
    double r = round_integral(x, rm);
    /* -0.x rounding to -0 is in range for the unsigned forms: only the rounded value counts. */
    if (r < lo[kind] || r >= hi[kind]) {
        *fl |= RV_FF_NV;
        return r < 0 ? vmin[kind] : vmax[kind];
    }
    if (r != x)
        *fl |= RV_FF_NX;
    switch (kind) {
    case RV_INT_W:
        return (uint64_t)(int64_t)(int32_t)r;
    case RV_INT_WU:
        return (uint64_t)(int64_t)(int32_t)(uint32_t)r;
    case RV_INT_L:
        return (uint64_t)(int64_t)r;
    default:
        return (uint64_t)r;
    }
}
