/* ix_keyword: keyword fields and their keys (see ix_keyword.h). */
#include "ix_keyword.h"

#include <string.h>

#include "ns_alloc.h"
#include "ns_docrec.h"
#include "ns_keyword.h"
#include "ns_varint.h"

void ix_keyword_init(ix_keyword *k) { memset(k, 0, sizeof *k); }

void ix_keyword_release(ix_keyword *k)
{
    ns_buf_release(&k->list);
    ns_buf_release(&k->obj);
    ns_buf_release(&k->scratch);
    ns_free(k->rest);
    memset(k, 0, sizeof *k);
}

int ix_keyword_is_field(const ix_keyword *k, const char *name, size_t len)
{
    if (k->list.len == 0)
        return 0;
    const uint8_t *p = k->list.data, *end = p + k->list.len;
    const char *n;
    size_t nl;
    while (p < end && ns_keyword_list_next(&p, end, &n, &nl) == 1)
        if (nl == len && memcmp(n, name, len) == 0)
            return 1;
    return 0;
}

ns_rc ix_keyword_add_field(ix_keyword *k, const char *name, size_t len, ns_err *err)
{
    const char *why = ns_keyword_name_problem(name, len);
    if (why)
        return ns_err_set(err, NS_E_ARG, "keyword field name '%.*s' %s", (int)(len > 80 ? 80 : len),
                          name, why);
    if (ix_keyword_is_field(k, name, len))
        return NS_OK;
    if (k->n == NS_MAX_KW_FIELDS)
        return ns_err_set(err, NS_E_ARG, "more than %u keyword fields", NS_MAX_KW_FIELDS);
    if (ns_keyword_list_put(&k->list, name, len))
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    k->n++;
    return NS_OK;
}

static ns_rc put_key(ns_buf *out, const char *name, size_t nlen, const char *v, size_t len,
                     size_t *n_long)
{
    if (len == 0)
        return NS_OK;
    if (ns_keyword_key_len(nlen, len) > NS_KW_KEY_MAX) {
        (*n_long)++;
        return NS_OK;
    }
    uint8_t vb[NS_VARINT_MAX_BYTES];
    unsigned n = ns_varint_put(vb, (uint64_t)ns_keyword_key_len(nlen, len));
    if (ns_buf_append(out, vb, n))
        return NS_E_NOMEM;
    return ns_keyword_key(out, name, nlen, v, len);
}

/* Rewrites the array text [e0,e1,...] as the object {"":e0,"":e1,...} in
 * k->obj, so that the JSON reader decodes its elements as members (in
 * order, repeats kept: ns_json_extract_rest); returns their number. */
static size_t array_as_object(ix_keyword *k, const char *v, size_t len, ns_rc *rc)
{
    ns_buf *o = &k->obj;
    ns_buf_reset(o);
    /* room for every byte, and 4 more per element (at most one per byte) */
    if ((*rc = ns_buf_reserve(o, 5 * len + 2)))
        return 0;
    ns_buf_putc(o, '{');
    size_t n = 0;
    int depth = 0, in_str = 0, start = 1;
    for (size_t i = 1; i + 1 < len; i++) { /* inside the outer brackets */
        char c = v[i];
        if (start) {
            ns_buf_puts(o, n ? ",\"\":" : "\"\":");
            n++;
            start = 0;
        }
        if (in_str) {
            if (c == '\\' && i + 2 < len) {
                ns_buf_putc(o, (uint8_t)c);
                c = v[++i];
            } else if (c == '"') {
                in_str = 0;
            }
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            depth--;
        } else if (c == ',' && depth == 0) {
            start = 1;
            continue;
        }
        ns_buf_putc(o, (uint8_t)c);
    }
    ns_buf_putc(o, '}');
    return n;
}

ns_rc ix_keyword_keys(ix_keyword *k, const char *name, size_t nlen, int type, const char *v,
                      size_t len, ns_buf *out, size_t *n_long)
{
    if (type == NS_VAL_STRING)
        return put_key(out, name, nlen, v, len, n_long);
    if (type != NS_VAL_ARRAY || len < 2)
        return NS_OK;
    ns_rc rc;
    size_t n = array_as_object(k, v, len, &rc);
    if (rc)
        return rc;
    if (n > k->cap_rest) {
        ns_json_member *r = ns_realloc(k->rest, n * sizeof *r);
        if (!r)
            return NS_E_NOMEM;
        k->rest = r;
        k->cap_rest = n;
    }
    size_t got = 0;
    ns_err err;
    rc = ns_json_extract_rest((const char *)k->obj.data, k->obj.len, NULL, 0, k->rest, n,
                                    &got, &k->scratch, &err);
    if (rc == NS_E_NOMEM)
        return rc;
    if (rc) /* not an array of JSON values: nothing to index */
        return NS_OK;
    for (size_t i = 0; i < got && i < n && !rc; i++)
        if (k->rest[i].type == NS_JSON_STRING)
            rc = put_key(out, name, nlen, (const char *)k->scratch.data + k->rest[i].off,
                         k->rest[i].len, n_long);
    return rc;
}
