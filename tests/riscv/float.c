/* float.c: IEEE arithmetic that C and IEEE 754 fix exactly, printed with printf's conversions. */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static volatile double d[] = {0.0, -0.0, 1.0, -1.5, 0.1, 3.0, 1e308, 5e-324, 2.5, -2.5};
static volatile float f[] = {0.1f, 3.0f, -7.25f, 1e38f, 1e-45f};

int main(void)
{
    size_t n = sizeof(d) / sizeof(d[0]);
    for (size_t i = 0; i < n; i++) {
        double a = d[i], b = d[(i + 3) % n];
        printf("%.17g %+.6e %a | %.17g %.17g %.17g %.17g | sqrt %.17g\n", a, a, a, a + b, a - b,
               a * b, b != 0 ? a / b : 0.0, sqrt(fabs(a)));
        printf("  fma %.17g floor %g ceil %g trunc %g rint %g lrint %ld\n", fma(a, b, 0.5),
               floor(a), ceil(a), trunc(a), rint(a), (long)lrint(fabs(a) < 1e18 ? a : 0));
    }
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        float a = f[i];
        printf("float %.9g %a %.9g %.9g %d\n", (double)a, (double)a, (double)(a * 3.0f),
               (double)sqrtf(fabsf(a)), (int)(a < 1e9f && a > -1e9f ? a : 0));
    }
    static const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    static const char *names[] = {"nearest", "up", "down", "zero"};
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        volatile double one = 1.0, three = 3.0;
        /* Only a positive rint: without -frounding-math, x86-64 gcc may expand rint of a
         * negative inline in a way that ignores the mode's direction. */
        printf("%s: 1/3 = %.17g -1/3 = %.17g rint(2.5) = %g\n", names[m], one / three,
               -one / three, rint(d[8]));
    }
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
    volatile double zero = 0.0, big = 1e308;
    volatile double r = 1.0 / zero;
    printf("inf %g divbyzero %d\n", r, fetestexcept(FE_DIVBYZERO) != 0);
    r = big * 10;
    printf("overflow %g %d\n", r, fetestexcept(FE_OVERFLOW) != 0);
    r = zero / zero;
    printf("nan %d invalid %d\n", isnan(r), fetestexcept(FE_INVALID) != 0);
    printf("strtod %.17g %.17g\n", strtod("2.718281828459045235360", NULL), strtod("1e-310", NULL));
    printf("int->double %.17g double->int %d %u\n", (double)(long long)9007199254740993LL,
           (int)-2.9, (unsigned)3.99);
    return 0;
}
