/* ix_source: input walking and the plain-text and JSON Lines readers (see
 * ix_source.h). */
#include "ix_source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "ns_alloc.h"
#include "ns_buf.h"
#include "ns_format.h"
#include "ns_json.h"

#define IX_BINARY_PROBE 8192u
/* Longest JSON line read; longer ones are skipped (a body is at most
 * NS_MAX_DOC_BYTES, and escapes can at most sextuple it). */
#define IX_MAX_LINE (6u * NS_MAX_DOC_BYTES)
#define IX_MAX_DEPTH 64

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcmp(name + n - e, ext) == 0;
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

/* ---- plain text ---- */

static ns_rc add_text_file(ix_build *b, const char *path, const char *id, ns_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ix_build_warn(b, IX_WARN_IO, path, 0, "cannot open: %s: skipped", strerror(errno));
        return NS_OK;
    }
    in_stream in;
    ns_rc rc = in_open(&in, b, fd, path, is_zst(path), err);
    if (rc) {
        close(fd);
        return rc;
    }
    ns_buf buf;
    ns_buf_init(&buf);
    size_t limit = NS_MAX_DOC_BYTES + NS_MAX_FIELD_BYTES;
    int truncated = 0;
    for (;;) {
        if (ns_buf_reserve(&buf, 65536)) {
            in_close(&in);
            close(fd);
            ns_buf_release(&buf);
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        }
        ssize_t n = in_read(&in, buf.data + buf.len, 65536, 0);
        if (n < 0) {
            /* warned: skipped */
            in_close(&in);
            close(fd);
            ns_buf_release(&buf);
            return NS_OK;
        }
        if (n == 0)
            break;
        buf.len += (size_t)n;
        if (buf.len > limit) {
            truncated = 1;
            buf.len = limit;
            break;
        }
    }
    in_close(&in);
    close(fd);
    ix_build_count_bytes(b, buf.len);
    const char *s = (const char *)buf.data;
    size_t len = buf.len;
    if (memchr(s, 0, len < IX_BINARY_PROBE ? len : IX_BINARY_PROBE)) {
        ix_build_warn(b, IX_WARN_BINARY, path, 0, "binary file (NUL bytes): skipped");
        ns_buf_release(&buf);
        return NS_OK;
    }
    if (truncated)
        ix_build_warn(b, IX_WARN_TOOBIG, path, 0, "file larger than %u bytes: truncated",
                      (unsigned)limit);
    /* title: first non-blank line */
    size_t i = 0;
    const char *title = NULL, *body = s + len;
    size_t title_len = 0, line_no = 1;
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != '\n')
            j++;
        size_t a = i, z = j;
        while (a < z && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' || s[a] == '\f' || s[a] == '\v'))
            a++;
        while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t' || s[z - 1] == '\r'))
            z--;
        if (z > a) {
            title = s + a;
            title_len = z - a;
            body = s + (j < len ? j + 1 : j);
            break;
        }
        i = j + 1;
        line_no++;
    }
    size_t body_len = (size_t)(s + len - body);
    while (body_len && (*body == '\n' || *body == '\r' || *body == ' ' || *body == '\t'))
        body++, body_len--;
    ix_doc d = {0};
    d.id = id;
    d.id_len = strlen(id);
    d.title = title;
    d.title_len = title_len;
    d.body = body;
    d.body_len = body_len;
    d.src = path;
    (void)line_no;
    rc = ix_build_add(b, &d, err);
    ns_buf_release(&buf);
    return rc;
}

/* ---- JSON Lines ---- */

enum { F_ID, F_TITLE, F_BODY, F_TEXT, F_DATE, F_URL, F_N };

static ns_rc add_json_line(ix_build *b, const char *src, uint64_t line_no, const char *line,
                           size_t len, ns_buf *scratch, ns_err *err)
{
    ns_json_field f[F_N] = {{.name = "id"},   {.name = "title"}, {.name = "body"},
                            {.name = "text"}, {.name = "date"},  {.name = "url"}};
    ns_err jerr;
    ns_err_clear(&jerr);
    ns_rc rc = ns_json_extract(line, len, f, F_N, scratch, &jerr);
    if (rc == NS_E_NOMEM)
        return ns_err_set(err, rc, "out of memory");
    if (rc) {
        ix_build_warn(b, IX_WARN_JSON, src, line_no, "malformed JSON (%s): line skipped", jerr.msg);
        return NS_OK;
    }
    const char *base = (const char *)scratch->data;
    ix_doc d = {0};
    d.src = src;
    d.line = line_no;
    unsigned repaired = 0;
    for (int i = 0; i < F_N; i++)
        repaired += f[i].n_repaired;
    if (repaired)
        ix_build_warn(b, IX_WARN_UTF8, src, line_no,
                      "%u invalid UTF-8 sequences or lone surrogates replaced by U+FFFD", repaired);
    if (f[F_ID].type == NS_JSON_STRING || f[F_ID].type == NS_JSON_NUMBER) {
        d.id = base + f[F_ID].off;
        d.id_len = f[F_ID].len;
    } else if (f[F_ID].type != NS_JSON_ABSENT) {
        ix_build_warn(b, IX_WARN_FIELD, src, line_no, "\"id\" is neither a string nor a number");
    }
    if (f[F_TITLE].type == NS_JSON_STRING) {
        d.title = base + f[F_TITLE].off;
        d.title_len = f[F_TITLE].len;
    } else if (f[F_TITLE].type != NS_JSON_ABSENT && f[F_TITLE].type != NS_JSON_NULL) {
        ix_build_warn(b, IX_WARN_FIELD, src, line_no, "\"title\" is not a string: ignored");
    }
    int bi = f[F_BODY].type == NS_JSON_STRING ? F_BODY : f[F_TEXT].type == NS_JSON_STRING ? F_TEXT : -1;
    if (bi >= 0) {
        d.body = base + f[bi].off;
        d.body_len = f[bi].len;
    } else if (f[F_BODY].type == NS_JSON_ABSENT && f[F_TEXT].type == NS_JSON_ABSENT) {
        if (d.title)
            ix_build_warn(b, IX_WARN_FIELD, src, line_no, "no \"body\" or \"text\": title only");
    } else if (f[F_BODY].type != NS_JSON_NULL && f[F_TEXT].type != NS_JSON_NULL) {
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
    return ix_build_add(b, &d, err);
}

static ns_rc add_jsonl_stream(ix_build *b, in_stream *in, const char *src, ns_err *err)
{
    ns_buf buf, scratch;
    ns_buf_init(&buf);
    ns_buf_init(&scratch);
    uint64_t line_no = 0;
    size_t start = 0; /* start of the unconsumed data in buf */
    int eof = 0, skipping = 0;
    ns_rc rc = NS_OK;
    while (!rc) {
        /* consume complete lines */
        uint8_t *nl;
        while (!rc && buf.len > start && (nl = memchr(buf.data + start, '\n', buf.len - start))) {
            size_t end = (size_t)(nl - buf.data);
            line_no++;
            if (skipping) {
                skipping = 0;
            } else {
                const char *line = (const char *)buf.data + start;
                size_t len = end - start;
                size_t k = 0;
                while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
                    k++;
                if (k < len)
                    rc = add_json_line(b, src, line_no, line, len, &scratch, err);
            }
            start = end + 1;
        }
        if (rc || eof)
            break;
        /* compact and read more */
        if (start) {
            memmove(buf.data, buf.data + start, buf.len - start);
            buf.len -= start;
            start = 0;
        }
        if (buf.len > IX_MAX_LINE) {
            if (!skipping)
                ix_build_warn(b, IX_WARN_TOOBIG, src, line_no + 1,
                              "line longer than %u bytes: skipped", (unsigned)IX_MAX_LINE);
            skipping = 1;
            buf.len = 0;
        }
        if (ns_buf_reserve(&buf, 1 << 20)) {
            rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
            break;
        }
        ssize_t n = in_read(in, buf.data + buf.len, 1 << 20, line_no + 1);
        if (n < 0)
            break; /* warned: the complete lines before the damage count */
        if (n == 0) {
            eof = 1; /* a last line without '\n' still counts */
            if (buf.len > 0 && ns_buf_putc(&buf, '\n'))
                rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
            continue;
        }
        buf.len += (size_t)n;
        ix_build_count_bytes(b, (uint64_t)n);
    }
    ns_buf_release(&buf);
    ns_buf_release(&scratch);
    return rc;
}

static ns_rc add_jsonl_file(ix_build *b, const char *path, ns_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ix_build_warn(b, IX_WARN_IO, path, 0, "cannot open: %s: skipped", strerror(errno));
        return NS_OK;
    }
    in_stream in;
    ns_rc rc = in_open(&in, b, fd, path, is_zst(path), err);
    if (!rc)
        rc = add_jsonl_stream(b, &in, path, err);
    in_close(&in);
    close(fd);
    return rc;
}

/* ---- directories ---- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* root_len: length of the INPUT prefix to strip (with its slash) for ids. */
/* What a directory walk sees at path p: *sb for a file or directory, or for
 * what a link points to; false to skip it (gone, a dangling link, or a link
 * to a directory, which could loop). */
static bool entry_stat(const char *p, struct stat *sb)
{
    struct stat lsb;
    if (lstat(p, &lsb) != 0)
        return false;
    if (!S_ISLNK(lsb.st_mode)) {
        *sb = lsb;
        return true;
    }
    return stat(p, sb) == 0 && !S_ISDIR(sb->st_mode);
}

static ns_rc walk(ix_build *b, const char *dir, size_t root_len, int depth, ns_err *err)
{
    if (depth > IX_MAX_DEPTH) {
        ix_build_warn(b, IX_WARN_IO, dir, 0, "directory nesting deeper than %d: skipped", IX_MAX_DEPTH);
        return NS_OK;
    }
    DIR *d = opendir(dir);
    if (!d) {
        ix_build_warn(b, IX_WARN_IO, dir, 0, "cannot open directory: %s: skipped", strerror(errno));
        return NS_OK;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    ns_rc rc = NS_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t c = cap ? cap * 2 : 64;
            char **p = ns_realloc(names, c * sizeof *p);
            if (!p) {
                rc = NS_E_NOMEM;
                break;
            }
            names = p;
            cap = c;
        }
        names[n] = ns_strndup(e->d_name, strlen(e->d_name));
        if (!names[n]) {
            rc = NS_E_NOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (!rc && n)
        qsort(names, n, sizeof *names, cmp_names);
    ns_buf path;
    ns_buf_init(&path);
    for (size_t i = 0; i < n && !rc; i++) {
        ns_buf_reset(&path);
        if (ns_buf_printf(&path, "%s/%s", dir, names[i])) {
            rc = NS_E_NOMEM;
            break;
        }
        const char *p = ns_buf_cstr(&path);
        struct stat sb;
        if (!entry_stat(p, &sb))
            continue;
        if (S_ISDIR(sb.st_mode))
            rc = walk(b, p, root_len, depth + 1, err);
        else if (S_ISREG(sb.st_mode) && is_text(names[i]))
            rc = add_text_file(b, p, p + root_len, err);
        else if (S_ISREG(sb.st_mode) && is_jsonl(names[i]))
            rc = add_jsonl_file(b, p, err);
    }
    if (rc == NS_E_NOMEM)
        ns_err_set(err, rc, "out of memory");
    ns_buf_release(&path);
    for (size_t i = 0; i < n; i++)
        ns_free(names[i]);
    ns_free(names);
    return rc;
}

ns_rc ix_source_add(ix_build *b, const char *input, ns_err *err)
{
    if (strcmp(input, "-") == 0) {
        in_stream in;
        ns_rc rc = in_open_sniff(&in, b, 0, "<stdin>", err);
        if (!rc)
            rc = add_jsonl_stream(b, &in, "<stdin>", err);
        in_close(&in);
        return rc;
    }
    struct stat sb;
    if (stat(input, &sb) != 0) {
        ix_build_warn(b, IX_WARN_IO, input, 0, "cannot read: %s: skipped", strerror(errno));
        return NS_OK;
    }
    if (S_ISDIR(sb.st_mode)) {
        size_t l = strlen(input);
        while (l > 1 && input[l - 1] == '/')
            l--;
        char *root = ns_strndup(input, l);
        if (!root)
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        ns_rc rc = walk(b, root, l + 1, 0, err);
        ns_free(root);
        return rc;
    }
    if (is_jsonl(input))
        return add_jsonl_file(b, input, err);
    return add_text_file(b, input, input, err);
}

/* ---- input sizes (for progress) ---- */

static uint64_t walk_size(const char *dir, int depth)
{
    if (depth > IX_MAX_DEPTH)
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    uint64_t total = 0;
    struct dirent *e;
    ns_buf path;
    ns_buf_init(&path);
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        ns_buf_reset(&path);
        if (ns_buf_printf(&path, "%s/%s", dir, e->d_name))
            break;
        const char *p = ns_buf_cstr(&path);
        struct stat sb;
        if (!entry_stat(p, &sb))
            continue;
        if (S_ISDIR(sb.st_mode))
            total += walk_size(p, depth + 1);
        else if (S_ISREG(sb.st_mode) && (is_text(e->d_name) || is_jsonl(e->d_name)))
            total += (uint64_t)sb.st_size;
    }
    ns_buf_release(&path);
    closedir(d);
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
