/* sr_index: opening and validating an index (see sr_index.h). */
#include "sr_index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "ns_alloc.h"
#include "ns_keyword.h"
#include "ns_rec.h"
#include "ns_varint.h"

#ifdef NS_FUZZ_HEAP_MAPS
/* The fuzz build reads each file into a heap buffer of its exact size
 * instead of mapping it, so that AddressSanitizer reports a read past the
 * end of a file (a mapping hides it up to the end of the page). */
static void *map_bytes(int fd, size_t size)
{
    uint8_t *m = ns_malloc(size);
    size_t done = 0;
    while (m && done < size) {
        ssize_t r = pread(fd, m + done, size - done, (off_t)done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            ns_free(m);
            errno = r < 0 ? errno : EIO;
            return MAP_FAILED;
        }
        done += (size_t)r;
    }
    if (!m)
        errno = ENOMEM;
    return m ? (void *)m : MAP_FAILED;
}
static void unmap_bytes(const void *m, size_t size)
{
    (void)size;
    ns_free((void *)m);
}
#else
static void *map_bytes(int fd, size_t size)
{
    return mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
}
static void unmap_bytes(const void *m, size_t size) { munmap((void *)m, size); }
#endif

static ns_rc map_file(sr_index *ix, int dfd, ns_file_kind kind, int optional, ns_err *err)
{
    const char *name = ns_file_name(kind);
    /* O_NONBLOCK: a FIFO in place of a file must not block open(2); the
     * type check below then refuses it */
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT && optional)
            return NS_OK;
        if (errno == ENOENT)
            return ns_err_set(err, NS_E_CORRUPT, "index '%s' is incomplete: '%s' is missing", ix->dir,
                              name);
        return ns_err_sys(err, NS_E_IO, errno, "cannot open '%s/%s'", ix->dir, name);
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return ns_err_sys(err, NS_E_IO, e, "cannot stat '%s/%s'", ix->dir, name);
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return ns_err_set(err, NS_E_CORRUPT, "'%s/%s' is not a regular file", ix->dir, name);
    }
    size_t size = (size_t)sb.st_size;
    if (size < NS_HEADER_LEN + NS_FOOTER_LEN) {
        close(fd);
        return ns_err_set(err, NS_E_CORRUPT, "'%s/%s' is truncated (%zu bytes)", ix->dir, name, size);
    }
    void *m = map_bytes(fd, size);
    int e = errno;
    close(fd);
    if (m == MAP_FAILED)
        return ns_err_sys(err, NS_E_IO, e, "cannot map '%s/%s'", ix->dir, name);
    sr_map *f = &ix->f[kind];
    f->base = m;
    f->size = size;
    f->payload = f->base + NS_HEADER_LEN;
    f->payload_len = size - NS_HEADER_LEN - NS_FOOTER_LEN;
    char label[600];
    snprintf(label, sizeof label, "%s/%s", ix->dir, name);
    return ns_file_check_frame(f->base, size, kind, label, err);
}

static void unmap_all(sr_index *ix)
{
    for (int k = 1; k <= NS_FILE_KIND_MAX; k++) {
        if (ix->f[k].base)
            unmap_bytes(ix->f[k].base, ix->f[k].size);
        memset(&ix->f[k], 0, sizeof ix->f[k]);
    }
}

/* Maps every file of the index directory dfd. */
static ns_rc map_all(sr_index *ix, int dfd, ns_err *err)
{
    struct stat msb;
    if (fstatat(dfd, "meta", &msb, 0) != 0 && errno == ENOENT)
        return ns_err_set(err, NS_E_NOTFOUND,
                          "'%s' is not an nsearch index (no 'meta' file): build one with nindex",
                          ix->dir);
    ns_rc rc = NS_OK;
    for (int k = 1; k <= NS_FILE_KIND_MAX && !rc; k++)
        rc = map_file(ix, dfd, (ns_file_kind)k, k > NS_FILE_KIND_COUNT, err);
    return rc;
}

static ns_rc corrupt(const sr_index *ix, ns_err *err, ns_file_kind k, const char *what);

/* The shard's files (FORMAT.md "shard", "global"), after meta: their
 * fixed fields checked against meta's; the ordinals' order and the
 * statistics entries are left to --check. */
static ns_rc open_shard(sr_index *ix, ns_err *err)
{
    const sr_map *sm = &ix->f[NS_FILE_SHARD], *gm = &ix->f[NS_FILE_GLOBAL];
    if (!sm->base) {
        if (gm->base)
            return corrupt(ix, err, NS_FILE_GLOBAL, "present without 'shard'");
        return NS_OK;
    }
    ns_shard_head h;
    if (sm->payload_len < NS_SHARD_HEAD_LEN || ns_shard_head_get(sm->payload, &h))
        return corrupt(ix, err, NS_FILE_SHARD, "bad head");
    if (h.rule != NS_SHARD_RULE_ID_XXH64)
        return ns_err_set(err, NS_E_VERSION,
                          "'%s/shard' uses partition rule %u, which this nsearch cannot read: "
                          "rebuild the shards with nindex",
                          ix->dir, h.rule);
    if (h.n_shards == 0 || h.n_shards > NS_MAX_SHARDS || h.shard >= h.n_shards ||
        h.n_docs != ix->n_docs || h.n_live != ix->n_live || h.total_tokens != ix->total_tokens ||
        h.n_terms != ix->n_terms || h.identity != ix->identity || h.n_input < h.n_docs ||
        h.n_input >= UINT32_MAX || h.stats_off != NS_SHARD_HEAD_LEN + 4 * h.n_docs ||
        h.stats_off > sm->payload_len || h.stats_len != sm->payload_len - h.stats_off)
        return corrupt(ix, err, NS_FILE_SHARD, "its counts do not match 'meta'");
    ix->shard = h.shard;
    ix->n_shards = h.n_shards;
    ix->n_input = h.n_input;
    ix->ords = sm->payload + NS_SHARD_HEAD_LEN;
    ix->shard_stats = sm->payload + h.stats_off;
    ix->shard_stats_len = h.stats_len;
    if (!gm->base)
        return NS_OK; /* not merged: scored as an index of its own */
    ns_global_head g;
    if (gm->payload_len < NS_GLOBAL_HEAD_LEN || ns_global_head_get(gm->payload, &g))
        return corrupt(ix, err, NS_FILE_GLOBAL, "bad head");
    if (g.set_id == 0 || g.n_shards != h.n_shards || g.n_input != h.n_input ||
        g.n_live < ix->n_live || g.n_live > g.n_input || g.total_tokens < ix->total_tokens ||
        g.n_terms < ix->n_terms || g.n_local != ix->n_terms ||
        gm->payload_len - NS_GLOBAL_HEAD_LEN != 4 * g.n_local)
        return corrupt(ix, err, NS_FILE_GLOBAL, "its counts do not match the shard's");
    ix->set_id = g.set_id;
    ix->set_live = g.n_live;
    ix->set_tokens = g.total_tokens;
    ix->set_terms = g.n_terms;
    ix->gdf = gm->payload + NS_GLOBAL_HEAD_LEN;
    ix->bm25_n = (double)g.n_live;
    ix->avgdl = g.n_live ? (double)g.total_tokens / (double)g.n_live : 1.0;
    return NS_OK;
}

int sr_index_doc_of_ordinal(const sr_index *ix, uint32_t ord, uint32_t *doc)
{
    if (!ix->ords) {
        if (ord >= ix->n_docs)
            return 0;
        *doc = ord;
        return 1;
    }
    uint64_t lo = 0, hi = ix->n_docs;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        uint32_t v = sr_index_ordinal(ix, (uint32_t)mid);
        if (v == ord) {
            *doc = (uint32_t)mid;
            return 1;
        }
        if (v < ord)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* 1 if dir no longer names the directory of which *opened is the stat. */
static int dir_replaced(const char *dir, const struct stat *opened)
{
    struct stat sb;
    return stat(dir, &sb) != 0 || sb.st_ino != opened->st_ino || sb.st_dev != opened->st_dev;
}

void sr_index_close(sr_index *ix)
{
    if (!ix)
        return;
    unmap_all(ix);
    ns_analyzer_free(ix->an);
    ZSTD_freeDCtx(ix->dctx);
    ZSTD_freeDDict(ix->ddict);
    ns_free(ix->field_names);
    ns_free(ix->kw_fields);
    ns_buf_release(&ix->ds_buf);
    ns_free(ix->dir);
    ns_free(ix);
}

static ns_rc corrupt(const sr_index *ix, ns_err *err, ns_file_kind k, const char *what)
{
    return ns_err_set(err, NS_E_CORRUPT, "'%s/%s' is corrupt: %s", ix->dir, ns_file_name(k), what);
}

/* Checks the trailers of docstore and docs and reads the field names
 * (FORMAT.md "docstore", "docs"): offsets and counts within the files. */
static ns_rc open_stored(sr_index *ix, ns_err *err)
{
    const sr_map *d = &ix->f[NS_FILE_DOCSTORE];
    if (d->payload_len < NS_DOCSTORE_TRAILER_LEN)
        return corrupt(ix, err, NS_FILE_DOCSTORE, "no trailer");
    ns_docstore_trailer dt;
    const uint8_t *tr = d->payload + d->payload_len - NS_DOCSTORE_TRAILER_LEN;
    int zero = ns_docstore_trailer_get(tr, &dt) == 0;
    uint64_t n = dt.n_docs;
    ix->ds_dict_len = dt.dict_len;
    ix->ds_offsets_off = dt.offsets_off;
    ix->ds_width = dt.width;
    uint64_t avail = d->payload_len - NS_DOCSTORE_TRAILER_LEN;
    if (n != ix->n_docs || (ix->ds_width != 4 && ix->ds_width != 8) || !zero ||
        ix->ds_dict_len > NS_DICT_MAX_BYTES || ix->ds_dict_len > ix->ds_offsets_off ||
        ix->ds_offsets_off > avail || (avail - ix->ds_offsets_off) / ix->ds_width != n + 1 ||
        (avail - ix->ds_offsets_off) % ix->ds_width != 0 ||
        (ix->ds_width == 4 && ix->ds_offsets_off > UINT32_MAX))
        return corrupt(ix, err, NS_FILE_DOCSTORE, "bad trailer or offset table");
    ix->ds_offsets = d->payload + ix->ds_offsets_off;

    const sr_map *t = &ix->f[NS_FILE_DOCS];
    if (t->payload_len < NS_DOCS_TRAILER_LEN)
        return corrupt(ix, err, NS_FILE_DOCS, "no trailer");
    ns_docs_trailer tt;
    zero = ns_docs_trailer_get(t->payload + t->payload_len - NS_DOCS_TRAILER_LEN, &tt) == 0;
    n = tt.n_docs;
    ix->n_fields = tt.n_fields;
    ix->docs_names_off = tt.names_off;
    uint64_t offsets_off = tt.offsets_off, ids_off = tt.ids_off;
    ix->docs_width = tt.width;
    avail = t->payload_len - NS_DOCS_TRAILER_LEN;
    if (n != ix->n_docs || (ix->docs_width != 4 && ix->docs_width != 8) || !zero ||
        ix->n_fields > NS_MAX_FIELD_NAMES || ix->docs_names_off > offsets_off ||
        offsets_off > ids_off || ids_off > avail ||
        (ids_off - offsets_off) != (n + 1) * ix->docs_width || (avail - ids_off) % 4 != 0 ||
        (avail - ids_off) / 4 != ix->n_live ||
        (ix->docs_width == 4 && ix->docs_names_off > UINT32_MAX))
        return corrupt(ix, err, NS_FILE_DOCS, "bad trailer or offset table");
    ix->docs_offsets = t->payload + offsets_off;
    ix->docs_ids = t->payload + ids_off;
    /* the names, between the records and the offsets */
    ix->field_names = ns_calloc(ix->n_fields ? ix->n_fields : 1, sizeof *ix->field_names);
    if (!ix->field_names)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    const uint8_t *p = t->payload + ix->docs_names_off, *end = t->payload + offsets_off;
    for (uint64_t i = 0; i < ix->n_fields; i++) {
        if (ns_field_name_get(&p, end, &ix->field_names[i].name, &ix->field_names[i].len))
            return corrupt(ix, err, NS_FILE_DOCS, "bad field name list");
    }
    if (p != end)
        return corrupt(ix, err, NS_FILE_DOCS, "bad field name list");
    ix->ds_cached = -1;
    return NS_OK;
}

/* Reads the keyword field names after meta's fixed fields (FORMAT.md
 * "meta"): all different, valid names, filling the payload exactly. */
static ns_rc open_kw_fields(sr_index *ix, uint32_t n, ns_err *err)
{
    const sr_map *m = &ix->f[NS_FILE_META];
    const uint8_t *p = m->payload + NS_META_REC_LEN, *end = m->payload + m->payload_len;
    if (n > NS_MAX_KW_FIELDS)
        return corrupt(ix, err, NS_FILE_META, "bad keyword field list");
    ix->kw_fields = ns_calloc(n ? n : 1, sizeof *ix->kw_fields);
    if (!ix->kw_fields)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        struct sr_field_name *f = &ix->kw_fields[i];
        if (ns_keyword_list_next(&p, end, &f->name, &f->len) != 1 ||
            ns_keyword_name_problem(f->name, f->len) ||
            sr_index_has_keyword_field(ix, f->name, f->len))
            return corrupt(ix, err, NS_FILE_META, "bad keyword field list");
        ix->n_kw_fields = i + 1;
    }
    if (p != end)
        return corrupt(ix, err, NS_FILE_META, "bad keyword field list");
    return NS_OK;
}

bool sr_index_has_keyword_field(const sr_index *ix, const char *name, size_t len)
{
    for (uint32_t i = 0; i < ix->n_kw_fields; i++)
        if (ix->kw_fields[i].len == len && memcmp(ix->kw_fields[i].name, name, len) == 0)
            return true;
    return false;
}

ns_rc sr_index_view_init(const sr_index *ix, sr_index *view, ns_err *err)
{
    *view = *ix;
    view->an = NULL;
    view->dctx = NULL;
    view->ddict = NULL;
    view->ds_cached = -1;
    ns_buf_init(&view->ds_buf);
    ns_rc rc = ns_analyzer_new(ix->lang, &view->an, err);
    if (!rc)
        rc = ns_analyzer_set_stop_list(view->an, ns_analyzer_stop_list(ix->an), err);
    if (!rc)
        rc = ns_analyzer_set_keep_diacritics(view->an, ns_analyzer_keep_diacritics(ix->an), err);
    if (rc) {
        sr_index_view_release(view);
        return rc;
    }
    return NS_OK;
}

void sr_index_view_release(sr_index *view)
{
    ns_analyzer_free(view->an);
    ZSTD_freeDCtx(view->dctx);
    ZSTD_freeDDict(view->ddict);
    ns_buf_release(&view->ds_buf);
    memset(view, 0, sizeof *view);
}

ns_rc sr_index_open(const char *dir, sr_index **out, ns_err *err)
{
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (errno == ENOENT)
            return ns_err_set(err, NS_E_NOTFOUND,
                              "no index at '%s': build one with 'nindex -o %s FILES...' or give -i",
                              dir, dir);
        return ns_err_sys(err, NS_E_IO, errno, "cannot open index '%s'", dir);
    }
    if (!S_ISDIR(sb.st_mode))
        return ns_err_set(err, NS_E_BADMAGIC, "'%s' is not an index directory", dir);
    sr_index *ix = ns_calloc(1, sizeof *ix);
    if (!ix)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    ix->ds_cached = -1;
    ns_buf_init(&ix->ds_buf);
    ix->dir = ns_strndup(dir, strlen(dir));
    if (!ix->dir) {
        sr_index_close(ix);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    /* One directory fd: every file comes from the same directory even if
     * nindex swaps a new index into place meanwhile.  nindex then removes
     * the old directory's files: when one is missing and `dir` is no
     * longer the directory opened, the index was replaced while this was
     * opening it, and the new one is opened instead. */
    ns_rc rc;
    for (int attempt = 0;; attempt++) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat dsb;
        if (dfd < 0 || fstat(dfd, &dsb) != 0) {
            rc = ns_err_sys(err, NS_E_IO, errno, "cannot open index '%s'", dir);
            if (dfd >= 0)
                close(dfd);
            sr_index_close(ix);
            return rc;
        }
        rc = map_all(ix, dfd, err);
        close(dfd);
        if (!rc || attempt == 8 || !dir_replaced(dir, &dsb))
            break;
        unmap_all(ix);
    }
    if (rc) {
        sr_index_close(ix);
        return rc;
    }
    /* meta */
    const sr_map *m = &ix->f[NS_FILE_META];
    if (m->payload_len < NS_META_REC_LEN) {
        sr_index_close(ix);
        return ns_err_set(err, NS_E_CORRUPT, "'%s/meta' has the wrong size", dir);
    }
    ns_meta meta;
    ns_meta_get(m->payload, &meta);
    if ((rc = open_kw_fields(ix, meta.n_kw, err))) {
        sr_index_close(ix);
        return rc;
    }
    ns_header h;
    ns_header_get(m->base, &h);
    ix->minor = h.minor;
    ix->n_docs = meta.n_docs;
    ix->n_terms = meta.n_terms;
    ix->n_postings = meta.n_postings;
    ix->total_tokens = meta.total_tokens;
    ix->n_live = meta.n_live;
    for (int k = 1; k <= NS_FILE_KIND_COUNT && !rc; k++) {
        uint64_t want = meta.file_size[k];
        if (want != ix->f[k].size)
            rc = ns_err_set(err, NS_E_CORRUPT,
                            "'%s/%s' has %zu bytes, the index recorded %llu: truncated or replaced",
                            dir, ns_file_name((ns_file_kind)k), ix->f[k].size,
                            (unsigned long long)want);
    }
    if (!rc && (ix->n_docs >= UINT32_MAX || ix->n_live > ix->n_docs ||
                ix->f[NS_FILE_DOCLENS].payload_len != NS_DOCLENS_ENTRY * ix->n_docs))
        rc = corrupt(ix, err, NS_FILE_META, "document counts do not match 'doclens'");
    if (rc) {
        sr_index_close(ix);
        return rc;
    }
    ix->avgdl = ix->n_live ? (double)ix->total_tokens / (double)ix->n_live : 1.0;
    ix->bm25_n = (double)ix->n_live;
    ix->identity = meta.identity;
    if ((rc = open_shard(ix, err))) {
        sr_index_close(ix);
        return rc;
    }
    memcpy(ix->lang, meta.lang, sizeof ix->lang);
    uint32_t tok_ver = meta.tokenizer;
    uint64_t identity = meta.identity;
    if (tok_ver != NS_TOKENIZER_VERSION) {
        sr_index_close(ix);
        return ns_err_set(err, NS_E_VERSION,
                          "index '%s' was built with tokenizer version %u, this nsearch uses %u: "
                          "rebuild it with nindex",
                          dir, tok_ver, NS_TOKENIZER_VERSION);
    }
    ns_err aerr;
    rc = ns_analyzer_new(ix->lang, &ix->an, &aerr);
    if (rc) {
        if (rc == NS_E_NOMEM)
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
        else
            rc = ns_err_set(err, NS_E_VERSION, "index '%s' uses language '%s', unknown here: %s",
                            dir, ix->lang, aerr.msg);
        sr_index_close(ix);
        return rc;
    }
    uint32_t stop_list = meta.stop_list;
    if (ns_analyzer_set_stop_list(ix->an, stop_list, &aerr)) {
        rc = ns_err_set(err, NS_E_VERSION,
                        "index '%s' uses stop word list %u, unknown here: rebuild it with nindex",
                        dir, stop_list);
        sr_index_close(ix);
        return rc;
    }
    uint32_t aflags = meta.analyzer;
    if ((aflags & ~NS_META_ANALYZER_KNOWN) ||
        ns_analyzer_set_keep_diacritics(ix->an, aflags & NS_META_ANALYZER_KEEP_DIACRITICS,
                                        &aerr)) {
        rc = aflags & ~NS_META_ANALYZER_KNOWN
                 ? ns_err_set(err, NS_E_VERSION,
                              "index '%s' uses analyzer options 0x%x, unknown here: rebuild it "
                              "with nindex",
                              dir, aflags)
                 : ns_err_set(err, NS_E_NOMEM, "out of memory");
        sr_index_close(ix);
        return rc;
    }
    uint64_t have = ns_analyzer_identity(ix->an);
    if (have == 0) { /* the only failure: libstemmer out of memory */
        sr_index_close(ix);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    if (have != identity) {
        rc = ns_err_set(err, NS_E_VERSION,
                        "index '%s' was built with a different '%s' analyzer (stemmer or "
                        "Unicode data) than this nsearch has (or 'meta' is damaged): rebuild "
                        "it with nindex",
                        dir, ix->lang);
        sr_index_close(ix);
        return rc;
    }
    /* dictionary trailer */
    const sr_map *t = &ix->f[NS_FILE_TERMS];
    if (t->payload_len < NS_DICT_TRAILER_LEN) {
        rc = corrupt(ix, err, NS_FILE_TERMS, "no trailer");
        sr_index_close(ix);
        return rc;
    }
    ns_dict_trailer dtr;
    ns_dict_trailer_get(t->payload + t->payload_len - NS_DICT_TRAILER_LEN, &dtr);
    uint64_t n_terms = dtr.n_terms;
    ix->n_dict_blocks = dtr.n_blocks;
    ix->dict_index_off = dtr.index_off;
    uint64_t avail = t->payload_len - NS_DICT_TRAILER_LEN;
    if (n_terms != ix->n_terms ||
        ix->n_dict_blocks != (n_terms + NS_DICT_BLOCK_TERMS - 1) / NS_DICT_BLOCK_TERMS ||
        ix->dict_index_off > avail ||
        (avail - ix->dict_index_off) / NS_DICT_INDEX_ENTRY != ix->n_dict_blocks ||
        (avail - ix->dict_index_off) % NS_DICT_INDEX_ENTRY != 0) {
        rc = corrupt(ix, err, NS_FILE_TERMS, "bad block index");
        sr_index_close(ix);
        return rc;
    }
    ix->dict_index = t->payload + ix->dict_index_off;
    if ((rc = open_stored(ix, err))) {
        sr_index_close(ix);
        return rc;
    }
    *out = ix;
    return NS_OK;
}
