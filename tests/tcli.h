/* tcli: what the CLI tests (test_cli_*.c) share: running nindex and nsearch
 * with the test failing when a program cannot be started.  Include after
 * <criterion/criterion.h> and after defining TIMEOUT_S (seconds). */
#ifndef TCLI_H
#define TCLI_H

#include <stdarg.h>

#include "tutil.h"

/* Runs prog with the NULL-terminated (const char *) arguments, stdin from
 * `in` (NULL: none).  Returns: the output, owned (tu_out_free). */
static inline tu_out tc_runv(const char *in, int timeout_s, const char *prog, ...)
{
    va_list ap;
    va_start(ap, prog);
    tu_out o;
    int r = tu_vrun(in, timeout_s, prog, ap, &o);
    va_end(ap);
    cr_assert_eq(r, 0, "cannot start %s", prog);
    return o;
}

#define NSEARCH(...) tc_runv(NULL, TIMEOUT_S, NS_TEST_NSEARCH, __VA_ARGS__, (const char *)NULL)
#define NINDEX(...) tc_runv(NULL, TIMEOUT_S, NS_TEST_NINDEX, __VA_ARGS__, (const char *)NULL)

#endif
