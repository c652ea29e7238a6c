/* ns_buf: growable byte buffer (see ns_buf.h). */
#include "ns_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_endian.h"

void ns_buf_init(ns_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void ns_buf_release(ns_buf *b)
{
    if (!b)
        return;
    ns_free(b->data);
    ns_buf_init(b);
}

ns_rc ns_buf_reserve(ns_buf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len - NS_BUF_PAD)
        return NS_E_NOMEM;
    size_t need = b->len + extra;
    if (need <= b->cap && b->data)
        return NS_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    uint8_t *d = ns_realloc(b->data, cap + NS_BUF_PAD);
    if (!d)
        return NS_E_NOMEM;
    memset(d + b->len, 0, cap + NS_BUF_PAD - b->len);
    b->data = d;
    b->cap = cap;
    return NS_OK;
}

ns_rc ns_buf_append(ns_buf *b, const void *src, size_t n)
{
    ns_rc rc = ns_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, src, n);
    b->len += n;
    return NS_OK;
}

ns_rc ns_buf_putc(ns_buf *b, uint8_t c) { return ns_buf_append(b, &c, 1); }

ns_rc ns_buf_puts(ns_buf *b, const char *s) { return ns_buf_append(b, s, strlen(s)); }

ns_rc ns_buf_put_u32le(ns_buf *b, uint32_t v)
{
    uint8_t t[4];
    ns_put_u32le(t, v);
    return ns_buf_append(b, t, 4);
}

ns_rc ns_buf_put_u64le(ns_buf *b, uint64_t v)
{
    uint8_t t[8];
    ns_put_u64le(t, v);
    return ns_buf_append(b, t, 8);
}

/* Appends fmt formatted with ap (NUL kept after len). */
static ns_rc buf_vprintf(ns_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NS_E_ARG;
    ns_rc rc = ns_buf_reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    b->data[b->len] = 0;
    return NS_OK;
}

ns_rc ns_buf_printf(ns_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ns_rc rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void ns_buf_append_s(ns_rc *rc, ns_buf *b, const void *src, size_t n)
{
    if (*rc == NS_OK)
        *rc = ns_buf_append(b, src, n);
}

void ns_buf_puts_s(ns_rc *rc, ns_buf *b, const char *s)
{
    if (*rc == NS_OK)
        *rc = ns_buf_append(b, s, strlen(s));
}

void ns_buf_putc_s(ns_rc *rc, ns_buf *b, uint8_t c)
{
    if (*rc == NS_OK)
        *rc = ns_buf_append(b, &c, 1);
}

void ns_buf_printf_s(ns_rc *rc, ns_buf *b, const char *fmt, ...)
{
    if (*rc != NS_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    *rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *ns_buf_cstr(const ns_buf *b)
{
    if (!b->data)
        return "";
    b->data[b->len] = 0; /* within the padding */
    return (const char *)b->data;
}
