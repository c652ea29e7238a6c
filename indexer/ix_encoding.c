/* ix_encoding: text of a declared encoding to UTF-8 through glibc's iconv
 * (see ix_encoding.h). */
#include "ix_encoding.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "ns_alloc.h"

struct ix_enc {
    iconv_t cd;
    char *name;        /* owned: as given */
    size_t unit;       /* bytes of a code unit: what an invalid sequence skips */
    uint64_t in_n;     /* input bytes consumed since the reset */
    uint64_t out_n;    /* output bytes appended since the reset */
    uint64_t n_bad;    /* invalid sequences replaced */
    uint64_t bad_in, bad_out; /* the first one's input offset, U+FFFD's offset */
};

/* name upper-cased without '-' and '_' into out (cap bytes, NUL-terminated,
 * cut if longer). */
static void squeeze(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (; *name && n + 1 < cap; name++)
        if (*name != '-' && *name != '_')
            out[n++] = (char)toupper((unsigned char)*name);
    out[n] = 0;
}

int ix_enc_is_utf8(const char *name)
{
    char s[16];
    squeeze(name, s, sizeof s);
    return strcmp(s, "UTF8") == 0 && strlen(name) < sizeof s;
}

/* The code unit of the UTF-16 and UTF-32 families (and their UCS names). */
static size_t unit_of(const char *name)
{
    char s[16];
    squeeze(name, s, sizeof s);
    if (!strncmp(s, "UTF16", 5) || !strncmp(s, "UCS2", 4) || !strncmp(s, "UNICODE", 7))
        return 2;
    if (!strncmp(s, "UTF32", 5) || !strncmp(s, "UCS4", 4) || !strncmp(s, "WCHART", 6))
        return 4;
    return 1;
}

ns_rc ix_enc_new(const char *name, ix_enc **out, ns_err *err)
{
    *out = NULL;
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1) {
        if (errno == ENOMEM)
            return ns_err_set(err, NS_E_NOMEM, "out of memory");
        return ns_err_set(err, NS_E_ARG,
                          "unknown encoding '%s' (iconv cannot convert it to UTF-8; "
                          "'iconv -l' lists the names)",
                          name);
    }
    ix_enc *e = ns_calloc(1, sizeof *e);
    char *n = ns_strndup(name, strlen(name));
    if (!e || !n) {
        iconv_close(cd);
        ns_free(e);
        ns_free(n);
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    }
    e->cd = cd;
    e->name = n;
    e->unit = unit_of(name);
    *out = e;
    return NS_OK;
}

void ix_enc_free(ix_enc *e)
{
    if (!e)
        return;
    iconv_close(e->cd);
    ns_free(e->name);
    ns_free(e);
}

const char *ix_enc_name(const ix_enc *e) { return e->name; }

void ix_enc_reset(ix_enc *e)
{
    iconv(e->cd, NULL, NULL, NULL, NULL);
    e->in_n = e->out_n = e->n_bad = e->bad_in = e->bad_out = 0;
}

/* Appends U+FFFD for an invalid sequence at input offset in_off. */
static ns_rc put_bad(ix_enc *e, ns_buf *out, uint64_t in_off)
{
    if (!e->n_bad++) {
        e->bad_in = in_off;
        e->bad_out = e->out_n;
    }
    e->out_n += 3;
    return ns_buf_append(out, "\xEF\xBF\xBD", 3);
}

ns_rc ix_enc_convert(ix_enc *e, const uint8_t *in, size_t len, int final, ns_buf *out,
                     size_t *used)
{
    char *ip = (char *)(uintptr_t)in; /* iconv's prototype; it does not write */
    size_t il = len;
    ns_rc rc = NS_OK;
    while (il > 0 && !rc) {
        if ((rc = ns_buf_reserve(out, il * 2 + 64)))
            break;
        char *op = (char *)out->data + out->len;
        size_t ol = out->cap - out->len;
        size_t r = iconv(e->cd, &ip, &il, &op, &ol);
        int why = errno;
        size_t n = (size_t)((uint8_t *)op - (out->data + out->len));
        out->len += n;
        e->out_n += n;
        if (r != (size_t)-1)
            break;
        uint64_t at = e->in_n + (uint64_t)((const uint8_t *)ip - in);
        if (why == E2BIG) {
            rc = ns_buf_reserve(out, out->cap + 64);
        } else if (why == EINVAL) { /* cut at the end of the input */
            if (!final)
                break;
            for (size_t k = 0; k < il && !rc; k += e->unit)
                rc = put_bad(e, out, at + k);
            ip += il;
            il = 0;
        } else { /* EILSEQ, or anything else iconv may say: skip one unit */
            size_t k = il < e->unit ? il : e->unit;
            rc = put_bad(e, out, at);
            ip += k;
            il -= k;
        }
    }
    *used = (size_t)((const uint8_t *)ip - in);
    e->in_n += *used;
    return rc;
}

uint64_t ix_enc_bad(const ix_enc *e, uint64_t *in_off, uint64_t *out_off)
{
    if (in_off)
        *in_off = e->bad_in;
    if (out_off)
        *out_off = e->bad_out;
    return e->n_bad;
}
