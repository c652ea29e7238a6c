/* ns_alloc: the one allocator wrapper.
 *
 * Every heap allocation in the tree goes through these so that tests can
 * inject failures (ns_alloc_fail_after) and check that each caller turns an
 * allocation failure into NS_E_NOMEM rather than a crash. */
#ifndef NS_ALLOC_H
#define NS_ALLOC_H

#include <stddef.h>

/* Returns: owned; free with ns_free().  NULL on failure (or n == 0 overflow). */
void *ns_malloc(size_t n);
/* Returns: owned, zeroed; NULL on failure or when n * size overflows. */
void *ns_calloc(size_t n, size_t size);
/* Returns: owned, aligned to `align` (a power of two >= sizeof(void *));
 * free with ns_free().  NULL on failure. */
void *ns_malloc_aligned(size_t align, size_t n);
/* Like realloc; on failure returns NULL and leaves p untouched. */
void *ns_realloc(void *p, size_t n);
/* Accepts NULL. */
void ns_free(void *p);
/* Returns: owned NUL-terminated copy of s[0..n); NULL on failure. */
char *ns_strndup(const char *s, size_t n);

/* Test hook: after `n` more successful allocations, every allocation fails
 * until reset with n < 0.  Thread-safe (the count is shared by all
 * threads); tests only. */
void ns_alloc_fail_after(long n);
/* Test hook: allocations made to fail since the last ns_alloc_fail_after(). */
long ns_alloc_failures(void);

#endif
