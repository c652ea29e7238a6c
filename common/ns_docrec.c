/* ns_docrec: document table record codec (see ns_docrec.h). */
#include "ns_docrec.h"

#include "ns_varint.h"

static const int rec_order[4] = {NS_FIELD_ID, NS_FIELD_TITLE, NS_FIELD_DATE, NS_FIELD_URL};

static ns_rc put_varint(ns_buf *out, uint64_t v)
{
    uint8_t b[NS_VARINT_MAX_BYTES];
    return ns_buf_append(out, b, ns_varint_put(b, v));
}

ns_rc ns_docrec_put(ns_buf *out, const ns_docrec *r, const ns_docval *vals, size_t n_vals)
{
    ns_rc rc = NS_OK;
    for (int i = 0; i < 4 && !rc; i++) {
        int k = rec_order[i];
        rc = put_varint(out, r->len[k]);
        if (!rc && r->len[k])
            rc = ns_buf_append(out, r->f[k], r->len[k]);
    }
    if (!rc)
        rc = put_varint(out, r->len[NS_FIELD_BODY]);
    if (!rc)
        rc = put_varint(out, n_vals);
    for (size_t i = 0; i < n_vals && !rc; i++) {
        const ns_docval *v = &vals[i];
        rc = put_varint(out, v->field);
        if (!rc)
            rc = ns_buf_putc(out, v->type);
        if (!rc)
            rc = put_varint(out, v->len);
        if (!rc && !(v->type & NS_VAL_IN_FRAME) && v->len)
            rc = ns_buf_append(out, v->v, v->len);
    }
    return rc;
}

int ns_docrec_get(const uint8_t *p, const uint8_t *end, ns_docrec *r)
{
    for (int i = 0; i < 4; i++) {
        int k = rec_order[i];
        uint64_t n;
        if (ns_varint_get(&p, end, &n) || n > (uint64_t)(end - p))
            return -1;
        r->f[k] = (const char *)p;
        r->len[k] = n;
        p += n;
    }
    r->f[NS_FIELD_BODY] = NULL;
    if (ns_varint_get(&p, end, &r->len[NS_FIELD_BODY]) || ns_varint_get(&p, end, &r->n_extra))
        return -1;
    /* every extra field takes at least three bytes */
    if (r->n_extra > (uint64_t)(end - p) / 3)
        return -1;
    r->extra = p;
    r->extra_end = end;
    return 0;
}

int ns_docval_get(const uint8_t **p, const uint8_t *end, ns_docval *v)
{
    const uint8_t *q = *p;
    uint64_t field, len;
    if (ns_varint_get(&q, end, &field) || field > UINT32_MAX || q >= end)
        return -1;
    uint8_t type = *q++;
    uint8_t base = type & (uint8_t)~NS_VAL_IN_FRAME;
    if (base < NS_VAL_STRING || base > NS_VAL_TYPE_MAX || ns_varint_get(&q, end, &len))
        return -1;
    v->field = (uint32_t)field;
    v->type = type;
    v->len = (size_t)len;
    if (type & NS_VAL_IN_FRAME) {
        v->v = NULL;
    } else {
        if (len > (uint64_t)(end - q))
            return -1;
        v->v = (const char *)q;
        q += len;
    }
    *p = q;
    return 0;
}
