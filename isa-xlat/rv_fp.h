/* rv_fp: IEEE arithmetic with RISC-V rounding modes and exception flags (shared by FP files). */
#ifndef VIV_RV_FP_H
#define VIV_RV_FP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define RV_CANON_NAN_S 0x7fc00000u
#define RV_CANON_NAN_D 0x7ff8000000000000ull

/* Register bits as host values and back (memcpy: the defined way to reinterpret bits in C). */
static inline double rv_d_of(uint64_t v)
{
    double d;
    memcpy(&d, &v, 8);
    return d;
}
static inline uint64_t rv_bits_d(double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    return v;
}
static inline float rv_f_of(uint32_t v)
{
    float f;
    memcpy(&f, &v, 4);
    return f;
}
static inline uint32_t rv_bits_f(float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    return v;
}

enum rv_fk {
    RV_FK_ADD,
    RV_FK_SUB,
    RV_FK_MUL,
    RV_FK_DIV,
    RV_FK_SQRT,
    RV_FK_FMADD,
    RV_FK_FMSUB,
    RV_FK_FNMSUB,
    RV_FK_FNMADD,
};

/* Correctly rounded a op b (op c) in rounding mode rm (0..4); fflags bits are ORed into *fl.
 * NaN results are the canonical NaN (spec 11.3). */
uint32_t rv_f32_arith(enum rv_fk k, uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fl);
uint64_t rv_f64_arith(enum rv_fk k, uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fl);

uint32_t rv_f64_to_f32(uint64_t a, unsigned rm, uint32_t *fl);
uint64_t rv_f32_to_f64(uint32_t a, uint32_t *fl);
/* Integer (64-bit two's complement or unsigned value) to float/double. */
uint32_t rv_int_to_f32(uint64_t v, bool is_signed, unsigned rm, uint32_t *fl);
uint64_t rv_int_to_f64(uint64_t v, bool is_signed, unsigned rm, uint32_t *fl);

enum rv_int_kind { RV_INT_W, RV_INT_WU, RV_INT_L, RV_INT_LU };
/* Float/double (widened exactly to double, or NaN) to the integer register value: rounded by
 * rm, saturating with NV when out of range, NaN giving the largest value (spec 11.7). W forms
 * return the 32-bit result sign-extended. */
uint64_t rv_fp_to_int(double x, bool is_nan, enum rv_int_kind kind, unsigned rm, uint32_t *fl);

static inline bool rv_f32_is_nan(uint32_t v)
{
    return (v & 0x7fffffffu) > 0x7f800000u;
}
static inline bool rv_f32_is_snan(uint32_t v)
{
    return rv_f32_is_nan(v) && !(v & 0x00400000u);
}
static inline bool rv_f64_is_nan(uint64_t v)
{
    return (v & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
}
static inline bool rv_f64_is_snan(uint64_t v)
{
    return rv_f64_is_nan(v) && !(v & 0x0008000000000000ull);
}

#endif
