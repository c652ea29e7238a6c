/* The test build keeps assert() (NS_ASSERT, on with the tests): in this
 * file, compiled with the flags of every target, and in the libraries and
 * programs the other suites run, which ns_build_has_asserts() reports by
 * evaluating an assertion's expression. */
#include <assert.h>
#include <criterion/criterion.h>
#include <signal.h>

#include "ns_err.h"

#ifdef NS_TEST_ASSERT
#define WANT 1
#else
#define WANT 0
#endif

Test(ns_assert, the_build_option_reaches_the_library)
{
    cr_assert_eq(ns_build_has_asserts(), WANT, "ns_common built with assert %s, NS_ASSERT %s",
                 ns_build_has_asserts() ? "on" : "off", WANT ? "ON" : "OFF");
}

Test(ns_assert, ndebug_is_undefined_here)
{
#ifdef NDEBUG
    cr_assert_eq(WANT, 0, "NDEBUG defined in a test built with NS_ASSERT=ON");
#else
    cr_assert_eq(WANT, 1, "NDEBUG not defined though NS_ASSERT=OFF");
#endif
}

#ifdef NS_TEST_ASSERT
static volatile int zero;
Test(ns_assert, a_false_assertion_aborts, .signal = SIGABRT)
{
    assert(zero == 1);
}
#endif
