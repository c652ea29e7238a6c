/* ns_alloc: allocation wrapper with failure injection (see ns_alloc.h). */
#include "ns_alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Atomic, so that a test can inject failures into a build's threads too;
 * when no test uses it, an allocation costs one relaxed load more. */
static atomic_long fail_after = -1;
static atomic_long n_failed;

static int should_fail(void)
{
    long n = atomic_load_explicit(&fail_after, memory_order_relaxed);
    while (n > 0) {
        if (atomic_compare_exchange_weak(&fail_after, &n, n - 1))
            return 0;
    }
    if (n < 0)
        return 0;
    atomic_fetch_add(&n_failed, 1);
    return 1;
}

void ns_alloc_fail_after(long n)
{
    atomic_store(&n_failed, 0);
    atomic_store(&fail_after, n);
}

long ns_alloc_failures(void) { return atomic_load(&n_failed); }

void *ns_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *ns_malloc_aligned(size_t align, size_t n)
{
    if (should_fail())
        return NULL;
    void *p = NULL;
    return posix_memalign(&p, align, n ? n : 1) == 0 ? p : NULL;
}

void *ns_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    if (should_fail())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *ns_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void ns_free(void *p) { free(p); }

char *ns_strndup(const char *s, size_t n)
{
    char *d = ns_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}
