/* ns_docrec: stored document record codec (see ns_docrec.h). */
#include "ns_docrec.h"

#include "ns_varint.h"

ns_rc ns_docrec_put(ns_buf *out, const ns_docrec *r)
{
    for (int i = 0; i < NS_FIELD_COUNT; i++) {
        uint8_t v[NS_VARINT_MAX_BYTES];
        ns_rc rc = ns_buf_append(out, v, ns_varint_put(v, r->len[i]));
        if (!rc && r->len[i])
            rc = ns_buf_append(out, r->f[i], r->len[i]);
        if (rc)
            return rc;
    }
    return NS_OK;
}

int ns_docrec_get(const uint8_t **p, const uint8_t *end, ns_docrec *r)
{
    const uint8_t *q = *p;
    for (int i = 0; i < NS_FIELD_COUNT; i++) {
        uint64_t n;
        if (ns_varint_get(&q, end, &n) || n > (uint64_t)(end - q))
            return -1;
        r->f[i] = (const char *)q;
        r->len[i] = (size_t)n;
        q += n;
    }
    *p = q;
    return 0;
}
