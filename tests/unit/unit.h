/* unit.h: what every Check unit-test program shares: running its suite. */
#ifndef VIV_TESTS_UNIT_H
#define VIV_TESTS_UNIT_H

#include <check.h>

/* Run every test of s; the exit status of the test program (0 when all passed). */
static inline int unit_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

#endif
