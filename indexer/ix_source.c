/* ix_source: input walking and the plain-text and JSON Lines readers (see
 * ix_source.h). */
#include "ix_source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "ix_encoding.h"
#include "ns_alloc.h"
#include "ns_buf.h"
#include "ns_docrec.h"
#include "ns_format.h"
#include "ns_hash.h"
#include "ns_json.h"
#include "ns_utf8.h"

#define IX_BINARY_PROBE 8192u
/* Longest JSON line read; longer ones are skipped (a body is at most
 * NS_MAX_DOC_BYTES, and escapes can at most sextuple it). */
#define IX_MAX_LINE (6u * NS_MAX_DOC_BYTES)
#define IX_MAX_DEPTH 64

/* Extensions are compared without regard to ASCII case (`.TXT`, `.Md`). */
static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcasecmp(name + n - e, ext) == 0;
}

static int is_zst(const char *name) { return has_ext(name, ".zst"); }
static int is_jsonl(const char *name)
{
    return has_ext(name, ".jsonl") || has_ext(name, ".ndjson") || has_ext(name, ".jsonl.zst") ||
           has_ext(name, ".ndjson.zst");
}
static int is_text(const char *name)
{
    return has_ext(name, ".txt") || has_ext(name, ".md") || has_ext(name, ".txt.zst") ||
           has_ext(name, ".md.zst");
}

/* ---- input streams: plain or zstd-compressed ---- */

#define IX_ZSTD_MAGIC 0xFD2FB528u

typedef struct in_stream {
    ix_build *b;
    int fd;
    const char *name;  /* for messages */
    ZSTD_DCtx *z;      /* owned; NULL for plain input */
    uint8_t *zbuf;     /* owned: compressed bytes read, [zpos, zlen) unused */
    size_t zcap, zpos, zlen;
    uint8_t pre[4];    /* plain input: bytes read while sniffing the magic */
    size_t pre_len, pre_pos;
    size_t last;       /* last ZSTD_decompressStream result: 0 = at a frame end */
    int eof;
} in_stream;

static ns_rc in_open(in_stream *s, ix_build *b, int fd, const char *name, int zstd, ns_err *err)
{
    memset(s, 0, sizeof *s);
    s->b = b;
    s->fd = fd;
    s->name = name;
    if (!zstd)
        return NS_OK;
    s->zcap = ZSTD_DStreamInSize();
    s->zbuf = ns_malloc(s->zcap);
    s->z = ZSTD_createDCtx();
    if (!s->zbuf || !s->z) {
        ns_free(s->zbuf);
        ZSTD_freeDCtx(s->z);
        s->z = NULL;
        s->zbuf = NULL;
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    return NS_OK;
}

static void in_close(in_stream *s)
{
    ZSTD_freeDCtx(s->z);
    ns_free(s->zbuf);
    s->z = NULL;
    s->zbuf = NULL;
}

/* Reads raw bytes; -1 with errno on error. */
static ssize_t raw_read(in_stream *s, void *out, size_t cap)
{
    for (;;) {
        ssize_t n = read(s->fd, out, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0)
            ix_build_count_raw(s->b, (uint64_t)n);
        return n;
    }
}

/* Sniffs standard input: zstd if it starts with the zstd frame magic. */
static ns_rc in_open_sniff(in_stream *s, ix_build *b, int fd, const char *name, ns_err *err)
{
    uint8_t m[4];
    size_t n = 0;
    in_open(s, b, fd, name, 0, err);
    while (n < 4) {
        ssize_t r = raw_read(s, m + n, 4 - n);
        if (r <= 0)
            break; /* an error shows again at the next read */
        n += (size_t)r;
    }
    uint32_t v = n == 4 ? (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 |
                              (uint32_t)m[3] << 24
                        : 0;
    if (v != IX_ZSTD_MAGIC) {
        memcpy(s->pre, m, n);
        s->pre_len = n;
        return NS_OK;
    }
    ns_rc rc = in_open(s, b, fd, name, 1, err);
    if (rc)
        return rc;
    memcpy(s->zbuf, m, 4);
    s->zlen = 4;
    return NS_OK;
}

/* Reads up to cap bytes of (decompressed) input.  Returns > 0, 0 at the
 * end, or -1 after a warning (unreadable or corrupt input: the rest of it
 * is skipped). */
static ssize_t in_read(in_stream *s, uint8_t *out, size_t cap, uint64_t line)
{
    if (s->pre_pos < s->pre_len) {
        size_t n = s->pre_len - s->pre_pos < cap ? s->pre_len - s->pre_pos : cap;
        memcpy(out, s->pre + s->pre_pos, n);
        s->pre_pos += n;
        return (ssize_t)n;
    }
    if (!s->z) {
        ssize_t n = raw_read(s, out, cap);
        if (n < 0) {
            ix_build_warn(s->b, IX_WARN_IO, s->name, line, "read error: %s: rest of input skipped",
                          strerror(errno));
            return -1;
        }
        return n;
    }
    for (;;) {
        if (s->zpos == s->zlen && !s->eof) {
            ssize_t n = raw_read(s, s->zbuf, s->zcap);
            if (n < 0) {
                ix_build_warn(s->b, IX_WARN_IO, s->name, line,
                              "read error: %s: rest of input skipped", strerror(errno));
                return -1;
            }
            s->zpos = 0;
            s->zlen = (size_t)n;
            if (n == 0)
                s->eof = 1;
        }
        ZSTD_inBuffer in = {s->zbuf, s->zlen, s->zpos};
        ZSTD_outBuffer ob = {out, cap, 0};
        size_t r = ZSTD_decompressStream(s->z, &ob, &in);
        int moved = in.pos > s->zpos || ob.pos > 0;
        s->zpos = in.pos;
        if (ZSTD_isError(r)) {
            ix_build_warn(s->b, IX_WARN_IO, s->name, 0,
                          "corrupt zstd data (%s): rest of the file skipped", ZSTD_getErrorName(r));
            return -1;
        }
        if (moved) /* an empty call between frames says nothing */
            s->last = r;
        if (ob.pos)
            return (ssize_t)ob.pos;
        if (s->eof && s->zpos == s->zlen) {
            if (s->last != 0) {
                ix_build_warn(s->b, IX_WARN_IO, s->name, 0,
                              "truncated zstd data: the end of the file is missing");
                return -1;
            }
            return 0;
        }
    }
}

/* ---- the reading state of one input: a stream and what was read ---- */

/* Bytes read before the format is decided: enough for the first line of
 * any sensible JSON Lines file, and for the binary checks. */
#define IX_SNIFF_BYTES 65536u
/* A text file is binary past 1 invalid UTF-8 byte in 8 of this prefix. */
#define IX_UTF8_PROBE 65536u

struct ix_source {
    ix_build *b;           /* borrowed */
    ix_input_format fmt;   /* for INPUTs named on the command line */
    int multi;             /* several INPUTs: ids are paths as given */
    uint64_t skipped[IX_SKIP_COUNT];
    struct seen {          /* owned: open-addressed set of files read */
        dev_t dev;
        ino_t ino;
        int used;
    } *seen;
    size_t seen_n, seen_cap; /* seen_cap: 0 or a power of two */
    ns_buf scratch;        /* JSON values of the current line */
    ns_json_member rest[NS_MAX_EXTRA_FIELDS + 1]; /* its other members */
    ix_field extra[NS_MAX_EXTRA_FIELDS + 1];
    ns_buf idbuf;          /* a generated id */
    ix_enc *enc;           /* owned: --encoding of plain text; NULL = UTF-8 */
    ix_enc *bom_enc[4];    /* owned, opened when first needed: UTF-16LE,
                              UTF-16BE, UTF-32LE, UTF-32BE (by their BOM) */
};

typedef struct reader {
    in_stream in;
    ns_buf buf;   /* owned: bytes read and not yet consumed */
    int eof;      /* the end was reached */
    int failed;   /* a read failed (warned): the rest is skipped */
    int utf8_bom; /* a UTF-8 byte-order mark was dropped */
} reader;

/* Appends up to cap more bytes to r->buf.  Returns the number appended, 0
 * at the end (or after a failure: see r->failed), -1 when out of memory. */
static ssize_t rd_more(reader *r, size_t cap, uint64_t line)
{
    if (r->eof || r->failed)
        return 0;
    if (ns_buf_reserve(&r->buf, cap))
        return -1;
    ssize_t n = in_read(&r->in, r->buf.data + r->buf.len, cap, line);
    if (n < 0) {
        r->failed = 1;
        return 0;
    }
    if (n == 0) {
        r->eof = 1;
        return 0;
    }
    r->buf.len += (size_t)n;
    return n;
}

/* Reads until r->buf holds at least `want` bytes, the end, or a failure;
 * then drops a UTF-8 byte-order mark at the start.  -1 when out of memory. */
static int rd_prefix(reader *r, size_t want)
{
    while (r->buf.len < want && !r->eof && !r->failed)
        if (rd_more(r, want - r->buf.len, 1) < 0)
            return -1;
    if (r->buf.len >= 3 && memcmp(r->buf.data, "\xEF\xBB\xBF", 3) == 0) {
        memmove(r->buf.data, r->buf.data + 3, r->buf.len - 3);
        r->buf.len -= 3;
        r->utf8_bom = 1;
    }
    return 0;
}

/* ---- plain text ---- */

/* Why s[0..len) (a file's first bytes) is not text, or NULL if it is. */
static const char *binary_reason(const uint8_t *s, size_t len, char *why, size_t why_len)
{
    if (memchr(s, 0, len < IX_BINARY_PROBE ? len : IX_BINARY_PROBE))
        return "binary file (NUL bytes)";
    size_t n = len < IX_UTF8_PROBE ? len : IX_UTF8_PROBE, bad = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = ns_utf8_decode(s + i, n - i, &cp);
        /* a sequence cut by the probe's end is not counted */
        if (k == 1 && cp == NS_UTF8_REPLACEMENT && n - i >= 4)
            bad++;
        i += k;
    }
    if (bad * 8 > n) {
        snprintf(why, why_len,
                 "binary file (%zu of its first %zu bytes are not UTF-8; text in another "
                 "encoding needs --encoding)",
                 bad, n);
        return why;
    }
    return NULL;
}

static ns_rc add_text(ix_build *b, const char *src, const char *id, const char *t, size_t len,
                      ns_err *err);

/* The text's encoding: UTF-16 or UTF-32 when it starts with their
 * byte-order mark (*bom_len: its length, to skip), else UTF-8 when it
 * started with UTF-8's (dropped by rd_prefix), else s->enc.  A BOM wins
 * over --encoding.  NULL = UTF-8; NS_E_NOMEM in *rc. */
static ix_enc *text_encoding(ix_source *s, const reader *r, size_t *bom_len, ns_rc *rc,
                             ns_err *err)
{
    static const char *const names[4] = {"UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"};
    const uint8_t *d = r->buf.data;
    size_t n = r->buf.len;
    int k = -1;
    *bom_len = 0;
    *rc = NS_OK;
    if (r->utf8_bom)
        return NULL;
    if (n >= 4 && !memcmp(d, "\xFF\xFE\0\0", 4))
        k = 2;
    else if (n >= 4 && !memcmp(d, "\0\0\xFE\xFF", 4))
        k = 3;
    else if (n >= 2 && !memcmp(d, "\xFF\xFE", 2))
        k = 0;
    else if (n >= 2 && !memcmp(d, "\xFE\xFF", 2))
        k = 1;
    if (k < 0)
        return s->enc;
    *bom_len = k < 2 ? 2 : 4;
    if (!s->bom_enc[k] && (*rc = ix_enc_new(names[k], &s->bom_enc[k], err)))
        return NULL;
    return s->bom_enc[k];
}

/* Reads a plain-text document of encoding e (the first bom_len bytes of
 * r->buf skipped), converting chunk by chunk; the size limit is on the
 * UTF-8 text. */
static ns_rc read_converted(ix_source *s, reader *r, ix_enc *e, size_t bom_len, const char *src,
                            const char *id, ns_err *err)
{
    ix_build *b = s->b;
    size_t limit = NS_MAX_DOC_BYTES + NS_MAX_FIELD_BYTES;
    int truncated = 0;
    ns_buf out;
    ns_buf_init(&out);
    ix_enc_reset(e);
    size_t pos = bom_len;
    uint64_t n_read = r->buf.len;
    ns_rc rc = NS_OK;
    for (;;) {
        int final = r->eof || r->failed;
        size_t used;
        if ((rc = ix_enc_convert(e, r->buf.data + pos, r->buf.len - pos, final, &out, &used)))
            break;
        pos += used;
        if (out.len > limit) {
            truncated = 1;
            out.len = ns_utf8_floor(out.data, out.len, limit);
            break;
        }
        if (final)
            break;
        memmove(r->buf.data, r->buf.data + pos, r->buf.len - pos);
        r->buf.len -= pos;
        pos = 0;
        ssize_t n = rd_more(r, 65536, 0);
        if (n < 0) {
            rc = NS_E_NOMEM;
            break;
        }
        n_read += (uint64_t)n;
    }
    if (rc || r->failed) { /* a failed read was warned: skipped */
        ns_buf_release(&out);
        return rc ? ns_err_set(err, rc, "out of memory") : NS_OK;
    }
    ix_build_count_bytes(b, n_read);
    const char *t = (const char *)out.data;
    size_t len = out.len;
    if (len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3)) /* iconv kept a BOM */
        t += 3, len -= 3;
    if (len && memchr(t, 0, len < IX_BINARY_PROBE ? len : IX_BINARY_PROBE)) {
        ix_build_warn(b, IX_WARN_BINARY, src, 0, "binary file (NUL characters in %s): skipped",
                      ix_enc_name(e));
        ns_buf_release(&out);
        return NS_OK;
    }
    uint64_t bad_in, bad_out;
    uint64_t n_bad = ix_enc_bad(e, &bad_in, &bad_out);
    if (n_bad) {
        uint64_t line = 1;
        for (size_t i = 0; i < out.len && i < bad_out; i++)
            line += out.data[i] == '\n';
        ix_build_warn(b, IX_WARN_ENCODING, src, line,
                      "%llu invalid %s sequence%s (first at byte %llu of the file): replaced by "
                      "U+FFFD",
                      (unsigned long long)n_bad, ix_enc_name(e), n_bad == 1 ? "" : "s",
                      (unsigned long long)(bad_in + bom_len));
    }
    if (truncated)
        ix_build_warn(b, IX_WARN_TOOBIG, src, 0,
                      "file larger than %u bytes once converted to UTF-8: truncated",
                      (unsigned)limit);
    rc = add_text(b, src, id, t, len, err);
    ns_buf_release(&out);
    return rc;
}

static ns_rc read_text(ix_source *s, reader *r, const char *src, const char *id, ns_err *err)
{
    ix_build *b = s->b;
    size_t limit = NS_MAX_DOC_BYTES + NS_MAX_FIELD_BYTES;
    int truncated = 0;
    size_t bom_len;
    ns_rc erc;
    ix_enc *enc = text_encoding(s, r, &bom_len, &erc, err);
    if (erc)
        return erc;
    if (enc)
        return read_converted(s, r, enc, bom_len, src, id, err);
    while (!r->eof && !r->failed) {
        if (rd_more(r, 65536, 0) < 0)
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        if (r->buf.len > limit) {
            truncated = 1;
            r->buf.len = limit;
            break;
        }
    }
    if (r->failed)
        return NS_OK; /* warned: skipped */
    ix_build_count_bytes(b, r->buf.len);
    const char *t = (const char *)r->buf.data;
    size_t len = r->buf.len;
    char why[160];
    const char *bin = binary_reason(r->buf.data, len, why, sizeof why);
    if (bin) {
        ix_build_warn(b, IX_WARN_BINARY, src, 0, "%s: skipped", bin);
        return NS_OK;
    }
    if (truncated)
        ix_build_warn(b, IX_WARN_TOOBIG, src, 0, "file larger than %u bytes: truncated",
                      (unsigned)limit);
    return add_text(b, src, id, t, len, err);
}

/* One plain-text document of UTF-8 t[0..len): the title is the first
 * non-blank line, the body the rest. */
static ns_rc add_text(ix_build *b, const char *src, const char *id, const char *t, size_t len,
                      ns_err *err)
{
    if (!t) /* an empty conversion has no buffer */
        t = "", len = 0;
    /* title: first non-blank line */
    size_t i = 0;
    const char *title = NULL, *body = t + len;
    size_t title_len = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && t[j] != '\n')
            j++;
        size_t a = i, z = j;
        while (a < z && (t[a] == ' ' || t[a] == '\t' || t[a] == '\r' || t[a] == '\f' || t[a] == '\v'))
            a++;
        while (z > a && (t[z - 1] == ' ' || t[z - 1] == '\t' || t[z - 1] == '\r'))
            z--;
        if (z > a) {
            title = t + a;
            title_len = z - a;
            body = t + (j < len ? j + 1 : j);
            break;
        }
        i = j + 1;
    }
    size_t body_len = (size_t)(t + len - body);
    while (body_len && (*body == '\n' || *body == '\r' || *body == ' ' || *body == '\t'))
        body++, body_len--;
    ix_doc d = {0};
    d.id = id;
    d.id_len = strlen(id);
    d.title = title;
    d.title_len = title_len;
    d.body = body;
    d.body_len = body_len;
    d.src = src;
    return ix_build_add(b, &d, err);
}

/* ---- JSON Lines ---- */

/* "text" is not asked for: it comes back among the other members, in its
 * place, and becomes the body when "body" is not a string. */
enum { F_ID, F_TITLE, F_BODY, F_DATE, F_URL, F_N };

static int val_type(ns_json_type t)
{
    switch (t) {
    case NS_JSON_STRING: return NS_VAL_STRING;
    case NS_JSON_NUMBER: return NS_VAL_NUMBER;
    case NS_JSON_BOOL: return NS_VAL_BOOL;
    case NS_JSON_ARRAY: return NS_VAL_ARRAY;
    case NS_JSON_OBJECT: return NS_VAL_OBJECT;
    default: return NS_VAL_NULL;
    }
}

static ns_rc add_json_line(ix_source *s, const char *src, const char *idbase, uint64_t line_no,
                           const char *line, size_t len, ns_err *err)
{
    ix_build *b = s->b;
    ns_json_field f[F_N] = {{.name = "id"}, {.name = "title"}, {.name = "body"}, {.name = "date"},
                            {.name = "url"}};
    ns_err jerr;
    ns_err_clear(&jerr);
    size_t n_rest = 0;
    ns_rc rc = ns_json_extract_rest(line, len, f, F_N, s->rest, NS_MAX_EXTRA_FIELDS, &n_rest,
                                    &s->scratch, &jerr);
    if (rc == NS_E_NOMEM)
        return ns_err_set(err, rc, "out of memory");
    if (rc) {
        ix_build_warn(b, IX_WARN_JSON, src, line_no, "malformed JSON (%s): line skipped", jerr.msg);
        return NS_OK;
    }
    const char *base = (const char *)s->scratch.data;
    ix_doc d = {0};
    d.src = src;
    d.line = line_no;
    unsigned repaired = 0;
    for (int i = 0; i < F_N; i++)
        repaired += f[i].n_repaired;
    size_t kept = n_rest < NS_MAX_EXTRA_FIELDS ? n_rest : NS_MAX_EXTRA_FIELDS;
    for (size_t i = 0; i < kept; i++)
        repaired += s->rest[i].n_repaired;
    if (repaired)
        ix_build_warn(b, IX_WARN_UTF8, src, line_no,
                      "%u invalid UTF-8 sequences or lone surrogates replaced by U+FFFD", repaired);
    if ((f[F_ID].type == NS_JSON_STRING || f[F_ID].type == NS_JSON_NUMBER) && f[F_ID].len) {
        d.id = base + f[F_ID].off;
        d.id_len = f[F_ID].len;
    } else {
        /* unique across files and lines: BASE:LINE */
        ns_buf_reset(&s->idbuf);
        if (ns_buf_printf(&s->idbuf, "%s:%llu", idbase, (unsigned long long)line_no))
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        d.id = ns_buf_cstr(&s->idbuf);
        d.id_len = s->idbuf.len;
        if (f[F_ID].type == NS_JSON_ABSENT)
            ix_build_warn(b, IX_WARN_FIELD, src, line_no, "missing id: using '%s'", d.id);
        else
            ix_build_warn(b, IX_WARN_FIELD, src, line_no,
                          "\"id\" is %s: using '%s'",
                          f[F_ID].type == NS_JSON_STRING ? "empty" : "neither a string nor a number",
                          d.id);
    }
    if (f[F_TITLE].type == NS_JSON_STRING) {
        d.title = base + f[F_TITLE].off;
        d.title_len = f[F_TITLE].len;
    } else if (f[F_TITLE].type != NS_JSON_ABSENT && f[F_TITLE].type != NS_JSON_NULL) {
        ix_build_warn(b, IX_WARN_FIELD, src, line_no, "\"title\" is not a string: ignored");
    }
    /* the last "text" member, if any */
    const ns_json_member *text = NULL;
    for (size_t i = 0; i < kept; i++)
        if (s->rest[i].name_len == 4 && !memcmp(base + s->rest[i].name_off, "text", 4))
            text = &s->rest[i];
    ns_json_type text_type = text ? text->type : NS_JSON_ABSENT;
    int text_is_body = f[F_BODY].type != NS_JSON_STRING && text_type == NS_JSON_STRING;
    if (f[F_BODY].type == NS_JSON_STRING) {
        d.body = base + f[F_BODY].off;
        d.body_len = f[F_BODY].len;
    } else if (text_is_body) {
        d.body = base + text->off;
        d.body_len = text->len;
    } else if (f[F_BODY].type == NS_JSON_ABSENT && text_type == NS_JSON_ABSENT) {
        if (d.title)
            ix_build_warn(b, IX_WARN_FIELD, src, line_no, "no \"body\" or \"text\": title only");
    } else if (f[F_BODY].type != NS_JSON_NULL && text_type != NS_JSON_NULL) {
        ix_build_warn(b, IX_WARN_FIELD, src, line_no, "\"body\" is not a string: ignored");
    }
    if (f[F_DATE].type == NS_JSON_STRING || f[F_DATE].type == NS_JSON_NUMBER) {
        d.date = base + f[F_DATE].off;
        d.date_len = f[F_DATE].len;
    }
    if (f[F_URL].type == NS_JSON_STRING) {
        d.url = base + f[F_URL].off;
        d.url_len = f[F_URL].len;
    }
    /* Every other member is kept as given; so is "text" unless it is the body. */
    size_t n = 0;
    for (size_t i = 0; i < kept; i++) {
        const ns_json_member *m = &s->rest[i];
        if (text_is_body && m->name_len == 4 && !memcmp(base + m->name_off, "text", 4))
            continue;
        s->extra[n++] = (ix_field){base + m->name_off, m->name_len, val_type(m->type), base + m->off,
                                   m->len};
    }
    if (n_rest > NS_MAX_EXTRA_FIELDS)
        ix_build_warn(b, IX_WARN_FIELD, src, line_no, "more than %u other fields: the last %zu dropped",
                      NS_MAX_EXTRA_FIELDS, n_rest - NS_MAX_EXTRA_FIELDS);
    d.extra = s->extra;
    d.n_extra = n;
    return ix_build_add(b, &d, err);
}

static ns_rc read_jsonl(ix_source *s, reader *r, const char *src, const char *idbase, ns_err *err)
{
    ix_build *b = s->b;
    ns_buf *buf = &r->buf;
    ix_build_count_bytes(b, buf->len); /* the prefix */
    uint64_t line_no = 0;
    size_t start = 0; /* start of the unconsumed data in buf */
    int skipping = 0, last = 0;
    ns_rc rc = NS_OK;
    while (!rc) {
        /* consume complete lines */
        uint8_t *nl;
        while (!rc && buf->len > start && (nl = memchr(buf->data + start, '\n', buf->len - start))) {
            size_t end = (size_t)(nl - buf->data);
            line_no++;
            if (skipping) {
                skipping = 0;
            } else {
                const char *line = (const char *)buf->data + start;
                size_t len = end - start;
                size_t k = 0;
                while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
                    k++;
                if (k < len)
                    rc = add_json_line(s, src, idbase, line_no, line, len, err);
            }
            start = end + 1;
        }
        if (rc || last)
            break;
        /* compact and read more */
        if (start) {
            memmove(buf->data, buf->data + start, buf->len - start);
            buf->len -= start;
            start = 0;
        }
        if (buf->len > IX_MAX_LINE) {
            if (!skipping)
                ix_build_warn(b, IX_WARN_TOOBIG, src, line_no + 1,
                              "line longer than %u bytes: skipped", (unsigned)IX_MAX_LINE);
            skipping = 1;
            buf->len = 0;
        }
        ssize_t n = rd_more(r, 1 << 20, line_no + 1);
        if (n < 0) {
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
            break;
        }
        if (n == 0) {
            if (r->failed)
                break; /* warned: the complete lines before the damage count */
            last = 1;  /* a last line without '\n' still counts */
            if (buf->len > 0 && ns_buf_putc(buf, '\n'))
                rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
            continue;
        }
        ix_build_count_bytes(b, (uint64_t)n);
    }
    return rc;
}

/* ---- one file or standard input ---- */

/* The format content says: JSON Lines when the first line is a JSON object
 * (or starts like one and is longer than the prefix read). */
static ix_input_format sniff(ix_source *s, const reader *r, const char *src)
{
    const char *t = (const char *)r->buf.data, *end = t + r->buf.len;
    while (t < end && (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n'))
        t++;
    if (t == end || *t != '{')
        return IX_FMT_TEXT;
    const char *nl = memchr(t, '\n', (size_t)(end - t));
    if (!nl && !r->eof && !r->failed)
        return IX_FMT_JSONL;
    ns_err jerr;
    if (ns_json_extract(t, (size_t)((nl ? nl : end) - t), NULL, 0, &s->scratch, &jerr) == NS_OK)
        return IX_FMT_JSONL;
    ix_build_warn(s->b, IX_WARN_JSON, src, 0,
                  "starts like JSON, but its first line is not a JSON object (%s): read as plain "
                  "text (--input-format=jsonl reads it as JSON Lines)",
                  jerr.msg);
    return IX_FMT_TEXT;
}

static size_t seen_hash(dev_t dev, ino_t ino)
{
    return (size_t)ns_hash_key(NULL, 16, (uint64_t)dev, (uint64_t)ino);
}

/* Has this regular file been read already?  Records it if not.  -1 when
 * out of memory. */
static int seen_before(ix_source *s, const struct stat *sb)
{
    if (s->seen_n * 2 >= s->seen_cap) {
        size_t nc = s->seen_cap ? s->seen_cap * 2 : 64;
        struct seen *t = ns_calloc(nc, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < s->seen_cap; i++) {
            if (!s->seen[i].used)
                continue;
            size_t h = seen_hash(s->seen[i].dev, s->seen[i].ino) & (nc - 1);
            while (t[h].used)
                h = (h + 1) & (nc - 1);
            t[h] = s->seen[i];
        }
        ns_free(s->seen);
        s->seen = t;
        s->seen_cap = nc;
    }
    struct seen k = {sb->st_dev, sb->st_ino, 1};
    size_t h = seen_hash(k.dev, k.ino) & (s->seen_cap - 1);
    while (s->seen[h].used) {
        if (s->seen[h].dev == k.dev && s->seen[h].ino == k.ino)
            return 1;
        h = (h + 1) & (s->seen_cap - 1);
    }
    s->seen[h] = k;
    s->seen_n++;
    return 0;
}

/* Reads the file at path (NULL: standard input) as fmt (IX_FMT_AUTO: by
 * name, then by content).  src names it in messages; idbase is its id as
 * plain text. */
static ns_rc read_one(ix_source *s, const char *path, const char *src, const char *idbase,
                      ix_input_format fmt, ns_err *err)
{
    ix_build *b = s->b;
    int fd = 0;
    if (path) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            ix_build_warn(b, IX_WARN_IO, src, 0, "cannot open: %s: skipped", strerror(errno));
            return NS_OK;
        }
        struct stat sb;
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
            int dup = seen_before(s, &sb);
            if (dup) {
                close(fd);
                if (dup < 0)
                    return ns_err_set(err, NS_E_NOMEM, "out of memory");
                s->skipped[IX_SKIP_TWICE]++;
                return NS_OK;
            }
        }
    }
    reader r;
    memset(&r, 0, sizeof r);
    ns_buf_init(&r.buf);
    ns_rc rc = path && is_zst(path) ? in_open(&r.in, b, fd, src, 1, err)
                                    : in_open_sniff(&r.in, b, fd, src, err);
    if (!rc && rd_prefix(&r, IX_SNIFF_BYTES))
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
    if (!rc) {
        if (fmt == IX_FMT_AUTO && path)
            fmt = is_jsonl(path) ? IX_FMT_JSONL : is_text(path) ? IX_FMT_TEXT : IX_FMT_AUTO;
        if (fmt == IX_FMT_AUTO)
            fmt = sniff(s, &r, src);
        rc = fmt == IX_FMT_JSONL ? read_jsonl(s, &r, src, idbase, err)
                                 : read_text(s, &r, src, idbase, err);
    }
    in_close(&r.in);
    ns_buf_release(&r.buf);
    if (path)
        close(fd);
    return rc;
}

/* ---- directories ---- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef enum { ENT_GONE, ENT_FILE, ENT_DIR, ENT_SPECIAL, ENT_LINK_DIR, ENT_DANGLING } ent_kind;

/* What a directory walk sees at path p (*sb: what it or its link target
 * is).  Links to directories are not followed: they could loop. */
static ent_kind entry_stat(const char *p, struct stat *sb)
{
    struct stat lsb;
    if (lstat(p, &lsb) != 0)
        return ENT_GONE;
    int link = S_ISLNK(lsb.st_mode);
    if (!link)
        *sb = lsb;
    else if (stat(p, sb) != 0)
        return ENT_DANGLING;
    if (S_ISDIR(sb->st_mode))
        return link ? ENT_LINK_DIR : ENT_DIR;
    return S_ISREG(sb->st_mode) ? ENT_FILE : ENT_SPECIAL;
}

/* Returns: owned "dir/name" (no doubled slash after "/"); NULL when out of
 * memory. */
static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl && dir[dl - 1] != '/';
    char *p = ns_malloc(dl + (size_t)slash + nl + 1);
    if (p) {
        memcpy(p, dir, dl);
        if (slash)
            p[dl] = '/';
        memcpy(p + dl + (size_t)slash, name, nl + 1);
    }
    return p;
}

/* Returns: owned, sorted names of dir's entries (hidden ones counted in
 * *n_hidden, not listed); *n_out entries; NULL with *n_out = 0 when the
 * directory cannot be read (errno set) or memory runs out (*nomem). */
static char **list_dir(const char *dir, size_t *n_out, uint64_t *n_hidden, int *nomem)
{
    *n_out = 0;
    *nomem = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') {
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                ++*n_hidden;
            continue;
        }
        if (n == cap) {
            size_t c = cap ? cap * 2 : 64;
            char **p = ns_realloc(names, c * sizeof *p);
            if (!p)
                goto oom;
            names = p;
            cap = c;
        }
        if (!(names[n] = ns_strndup(e->d_name, strlen(e->d_name))))
            goto oom;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    *n_out = n;
    if (!names)
        names = ns_malloc(1); /* an empty, readable directory */
    if (!names)
        *nomem = 1;
    return names;
oom:
    closedir(d);
    for (size_t i = 0; i < n; i++)
        ns_free(names[i]);
    ns_free(names);
    *nomem = 1;
    return NULL;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ns_free(names[i]);
    ns_free(names);
}

/* id_skip: bytes of a path to leave out of its id (the INPUT directory and
 * its slash with one INPUT; 0 with several). */
static ns_rc walk(ix_source *s, const char *dir, size_t id_skip, int depth, ns_err *err)
{
    ix_build *b = s->b;
    if (depth > IX_MAX_DEPTH) {
        ix_build_warn(b, IX_WARN_IO, dir, 0, "directory nesting deeper than %d: skipped", IX_MAX_DEPTH);
        return NS_OK;
    }
    size_t n;
    int nomem;
    char **names = list_dir(dir, &n, &s->skipped[IX_SKIP_HIDDEN], &nomem);
    if (!names) {
        if (nomem)
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        ix_build_warn(b, IX_WARN_IO, dir, 0, "cannot open directory: %s: skipped", strerror(errno));
        return NS_OK;
    }
    ns_rc rc = NS_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        char *p = join(dir, names[i]);
        if (!p) {
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
            break;
        }
        struct stat sb;
        switch (entry_stat(p, &sb)) {
        case ENT_GONE: break;
        case ENT_DIR: rc = walk(s, p, id_skip, depth + 1, err); break;
        case ENT_LINK_DIR:
            s->skipped[IX_SKIP_LINK_DIR]++;
            ix_build_warn(b, IX_WARN_LINK, p, 0, "symbolic link to a directory: not followed");
            break;
        case ENT_DANGLING:
            s->skipped[IX_SKIP_DANGLING]++;
            ix_build_warn(b, IX_WARN_LINK, p, 0, "symbolic link to nothing (%s): skipped",
                          strerror(errno));
            break;
        case ENT_SPECIAL: s->skipped[IX_SKIP_SPECIAL]++; break;
        case ENT_FILE:
            if (is_text(names[i]) || is_jsonl(names[i]))
                rc = read_one(s, p, p, p + (strlen(p) > id_skip ? id_skip : 0), IX_FMT_AUTO, err);
            else
                s->skipped[IX_SKIP_OTHER_EXT]++;
            break;
        }
        ns_free(p);
    }
    free_names(names, n);
    return rc;
}

/* ---- the INPUT arguments ---- */

int ix_input_format_parse(const char *name, ix_input_format *out)
{
    static const char *const names[] = {"auto", "jsonl", "text"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (ix_input_format)i;
            return 0;
        }
    }
    return -1;
}

ns_rc ix_source_new(ix_build *b, ix_input_format fmt, int n_inputs, ix_source **out, ns_err *err)
{
    ix_source *s = ns_calloc(1, sizeof *s);
    *out = s;
    if (!s)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    s->b = b;
    s->fmt = fmt;
    s->multi = n_inputs > 1;
    ns_buf_init(&s->scratch);
    ns_buf_init(&s->idbuf);
    return NS_OK;
}

void ix_source_free(ix_source *s)
{
    if (!s)
        return;
    ns_free(s->seen);
    ix_enc_free(s->enc);
    for (int k = 0; k < 4; k++)
        ix_enc_free(s->bom_enc[k]);
    ns_buf_release(&s->scratch);
    ns_buf_release(&s->idbuf);
    ns_free(s);
}

ns_rc ix_source_set_encoding(ix_source *s, const char *name, ns_err *err)
{
    ix_enc_free(s->enc);
    s->enc = NULL;
    if (!name || ix_enc_is_utf8(name))
        return NS_OK;
    return ix_enc_new(name, &s->enc, err);
}

void ix_source_skipped(const ix_source *s, uint64_t out[IX_SKIP_COUNT])
{
    memcpy(out, s->skipped, sizeof s->skipped);
}

ns_rc ix_source_check(const char *input, ns_err *err)
{
    if (strcmp(input, "-") == 0)
        return NS_OK;
    struct stat sb;
    if (stat(input, &sb) != 0) {
        int e = errno;
        return ns_err_sys(err, e == ENOENT || e == ENOTDIR ? NS_E_NOTFOUND : NS_E_IO, e,
                          "cannot read INPUT '%s'", input);
    }
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(input);
        if (!d)
            return ns_err_sys(err, NS_E_IO, errno, "cannot read INPUT directory '%s'", input);
        closedir(d);
        return NS_OK;
    }
    if (access(input, R_OK) != 0)
        return ns_err_sys(err, NS_E_IO, errno, "cannot read INPUT '%s'", input);
    return NS_OK;
}

ns_rc ix_source_read(ix_source *s, const char *input, ns_err *err)
{
    if (strcmp(input, "-") == 0)
        return read_one(s, NULL, "<stdin>", "stdin", s->fmt, err);
    struct stat sb;
    if (stat(input, &sb) != 0) {
        ix_build_warn(s->b, IX_WARN_IO, input, 0, "cannot read: %s: skipped", strerror(errno));
        return NS_OK;
    }
    if (!S_ISDIR(sb.st_mode))
        return read_one(s, input, input, input, s->fmt, err);
    size_t l = strlen(input);
    while (l > 1 && input[l - 1] == '/')
        l--;
    char *root = ns_strndup(input, l);
    if (!root)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    size_t id_skip = s->multi ? 0 : l + (root[l - 1] != '/');
    ns_rc rc = walk(s, root, id_skip, 0, err);
    ns_free(root);
    return rc;
}

ns_rc ix_source_add(ix_build *b, const char *input, ns_err *err)
{
    ix_source *s;
    ns_rc rc = ix_source_new(b, IX_FMT_AUTO, 1, &s, err);
    if (!rc)
        rc = ix_source_read(s, input, err);
    ix_source_free(s);
    return rc;
}

/* ---- input sizes (for progress) ---- */

static uint64_t walk_size(const char *dir, int depth)
{
    if (depth > IX_MAX_DEPTH)
        return 0;
    size_t n;
    int nomem;
    uint64_t hidden = 0, total = 0;
    char **names = list_dir(dir, &n, &hidden, &nomem);
    for (size_t i = 0; i < n; i++) {
        char *p = join(dir, names[i]);
        if (!p)
            break;
        struct stat sb;
        ent_kind k = entry_stat(p, &sb);
        if (k == ENT_DIR)
            total += walk_size(p, depth + 1);
        else if (k == ENT_FILE && (is_text(names[i]) || is_jsonl(names[i])))
            total += (uint64_t)sb.st_size;
        ns_free(p);
    }
    free_names(names, n);
    return total;
}

uint64_t ix_source_size(const char *input)
{
    struct stat sb;
    if (strcmp(input, "-") == 0) {
        if (fstat(0, &sb) != 0 || !S_ISREG(sb.st_mode))
            return UINT64_MAX;
        off_t at = lseek(0, 0, SEEK_CUR);
        return at >= 0 && at <= sb.st_size ? (uint64_t)(sb.st_size - at) : UINT64_MAX;
    }
    if (stat(input, &sb) != 0)
        return 0;
    if (S_ISDIR(sb.st_mode))
        return walk_size(input, 0);
    return (uint64_t)sb.st_size;
}
