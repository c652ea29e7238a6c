/* ix_docs: the document table writer (see ix_docs.h). */
#include "ix_docs.h"

#include <string.h>
#include <xxhash.h>

#include "ix_file.h"
#include "ns_alloc.h"
#include "ns_buf.h"
#include "ns_endian.h"
#include "ns_format.h"
#include "ns_rec.h"
#include "ns_varint.h"

#define IX_NAME_SLOTS 8192u /* > 2 x NS_MAX_FIELD_NAMES: a power of two */

struct ix_docs {
    ix_file f;
    uint32_t *rec_len; /* owned, per document */
    size_t n_docs, cap;
    /* field names: ordinal -> (offset, length) in names, hashed by slots */
    ns_buf names;
    uint32_t name_off[NS_MAX_FIELD_NAMES], name_len[NS_MAX_FIELD_NAMES];
    uint32_t n_names;
    uint16_t slots[IX_NAME_SLOTS]; /* ordinal + 1, 0 empty */
};

ns_rc ix_docs_open(const char *dir, ix_docs **out, ns_err *err)
{
    ix_docs *d = ns_calloc(1, sizeof *d);
    if (!d)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    d->f.fd = -1;
    ns_buf_init(&d->names);
    ns_rc rc = ix_file_open(&d->f, dir, NS_FILE_DOCS, err);
    if (rc) {
        ix_docs_free(d);
        return rc;
    }
    *out = d;
    return NS_OK;
}

void ix_docs_free(ix_docs *d)
{
    if (!d)
        return;
    ix_file_release(&d->f);
    ns_free(d->rec_len);
    ns_buf_release(&d->names);
    ns_free(d);
}

ns_rc ix_docs_field(ix_docs *d, const char *name, size_t len, uint32_t *ord)
{
    uint32_t j = (uint32_t)XXH3_64bits(name, len) & (IX_NAME_SLOTS - 1);
    while (d->slots[j]) {
        uint32_t o = d->slots[j] - 1u;
        if (d->name_len[o] == len && memcmp(d->names.data + d->name_off[o], name, len) == 0) {
            *ord = o;
            return NS_OK;
        }
        j = (j + 1) & (IX_NAME_SLOTS - 1);
    }
    if (d->n_names == NS_MAX_FIELD_NAMES || len > NS_MAX_FIELD_NAME)
        return NS_E_ARG;
    uint32_t o = d->n_names;
    d->name_off[o] = (uint32_t)d->names.len;
    d->name_len[o] = (uint32_t)len;
    if (ns_buf_append(&d->names, name, len))
        return NS_E_NOMEM;
    d->slots[j] = (uint16_t)(o + 1);
    d->n_names++;
    *ord = o;
    return NS_OK;
}

const char *ix_docs_field_name(const ix_docs *d, uint32_t ord, size_t *len)
{
    *len = d->name_len[ord];
    return (const char *)d->names.data + d->name_off[ord];
}

ns_rc ix_docs_add(ix_docs *d, const void *rec, size_t len, ns_err *err)
{
    if (len > UINT32_MAX)
        return ns_err_set(err, NS_E_ARG, "internal error: document record of %zu bytes", len);
    if (d->n_docs == d->cap) {
        size_t c = d->cap ? d->cap * 2 : 4096;
        uint32_t *p = ns_realloc(d->rec_len, c * sizeof *p);
        if (!p)
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        d->rec_len = p;
        d->cap = c;
    }
    d->rec_len[d->n_docs++] = (uint32_t)len;
    ix_file_write(&d->f, rec, len);
    return NS_OK;
}

ns_rc ix_docs_finish(ix_docs *d, const uint32_t *ids, size_t n_ids, uint64_t *size, ns_err *err)
{
    uint64_t names_off = ix_file_off(&d->f);
    for (uint32_t o = 0; o < d->n_names; o++) {
        uint8_t v[NS_FIELD_NAME_BOUND];
        ix_file_write(&d->f, v,
                      ns_field_name_put(v, (const char *)d->names.data + d->name_off[o],
                                        d->name_len[o]));
    }
    uint64_t offsets_off = ix_file_off(&d->f);
    unsigned width = ix_file_write_offsets(&d->f, 0, d->rec_len, d->n_docs);
    uint8_t chunk[4096];
    uint64_t ids_off = ix_file_off(&d->f);
    for (size_t i = 0; i < n_ids;) {
        size_t m = 0;
        for (; m < sizeof chunk / 4 && i < n_ids; m++, i++)
            ns_put_u32le(chunk + 4 * m, ids[i]);
        ix_file_write(&d->f, chunk, 4 * m);
    }
    uint8_t tr[NS_DOCS_TRAILER_LEN];
    ns_docs_trailer_put(tr, &(ns_docs_trailer){.n_docs = d->n_docs,
                                               .n_fields = d->n_names,
                                               .names_off = names_off,
                                               .offsets_off = offsets_off,
                                               .ids_off = ids_off,
                                               .width = width});
    ix_file_write(&d->f, tr, sizeof tr);
    return ix_file_finish(&d->f, size, err);
}
