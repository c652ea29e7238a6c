/* test_ns_buf: the growable buffer and its sticky appends. */
#include <criterion/criterion.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_buf.h"

static ns_rc fails(int *calls)
{
    (*calls)++;
    return NS_E_IO;
}

static ns_rc succeeds(int *calls)
{
    (*calls)++;
    return NS_OK;
}

Test(ns_buf, sticky_appends_chain_until_the_first_failure)
{
    ns_buf b;
    ns_buf_init(&b);
    ns_rc rc = NS_OK;
    int calls = 0;
    ns_buf_puts_s(&rc, &b, "a");
    ns_buf_printf_s(&rc, &b, "%d-%s", 42, "x");
    ns_buf_putc_s(&rc, &b, '!');
    NS_STICKY(&rc, succeeds(&calls));
    cr_assert_eq(rc, NS_OK);
    cr_assert_str_eq(ns_buf_cstr(&b), "a42-x!");
    NS_STICKY(&rc, fails(&calls));
    cr_assert_eq(rc, NS_E_IO);
    NS_STICKY(&rc, succeeds(&calls)); /* not called: the failure sticks */
    ns_buf_puts_s(&rc, &b, "more");
    ns_buf_append_s(&rc, &b, "zz", 2);
    ns_buf_printf_s(&rc, &b, "%d", 7);
    cr_assert_eq(calls, 2);
    cr_assert_eq(rc, NS_E_IO, "the first failure is the one reported");
    cr_assert_str_eq(ns_buf_cstr(&b), "a42-x!", "nothing appended after it");
    ns_buf_release(&b);
}

Test(ns_buf, a_failed_allocation_stops_the_chain)
{
    ns_buf b;
    ns_buf_init(&b);
    ns_rc rc = NS_OK;
    ns_alloc_fail_after(0);
    ns_buf_puts_s(&rc, &b, "first");
    ns_alloc_fail_after(-1);
    ns_buf_puts_s(&rc, &b, "second"); /* memory is back, but the chain failed */
    cr_assert_eq(rc, NS_E_NOMEM);
    cr_assert_eq(b.len, 0);
    ns_buf_release(&b);
}

Test(ns_buf, printf_keeps_a_nul_after_the_text)
{
    ns_buf b;
    ns_buf_init(&b);
    cr_assert_eq(ns_buf_printf(&b, "%s=%u", "k", 9u), NS_OK);
    cr_assert_eq(b.len, 3);
    cr_assert_eq(b.data[3], 0);
    cr_assert_eq(memcmp(b.data, "k=9", 3), 0);
    ns_buf_release(&b);
}
