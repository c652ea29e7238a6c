/* sr_output: hit rendering (see sr_output.h). */
#include "sr_output.h"

#include <string.h>

#include "ns_docrec.h"
#include "ns_json.h"
#include "ns_term.h"

#define C_TITLE "\033[1m"
#define C_MATCH "\033[1;31m"
#define C_DIM "\033[2m"
#define C_RESET "\033[0m"

/* Appends s->text, made terminal-safe (ns_term.h), with highlights wrapped
 * in colour codes (or plain).  The spans are byte offsets into the stored
 * text, so each segment is escaped as it is copied. */
static ns_rc put_marked(ns_buf *out, const sr_snippet *s, bool color, const char *outer)
{
    const char *t = (const char *)s->text.data;
    size_t pos = 0;
    ns_rc rc = NS_OK; /* sticky: the first failure stops the appends after it */
    if (color && outer)
        ns_buf_puts_s(&rc, out, outer);
    for (size_t i = 0; color && i < s->n_hl && !rc; i++) {
        NS_STICKY(&rc, ns_term_put(out, t + pos, s->hl[i].start - pos, NS_TERM_TEXT));
        ns_buf_puts_s(&rc, out, C_MATCH);
        NS_STICKY(&rc, ns_term_put(out, t + s->hl[i].start, s->hl[i].end - s->hl[i].start,
                                   NS_TERM_TEXT));
        ns_buf_puts_s(&rc, out, C_RESET);
        if (outer)
            ns_buf_puts_s(&rc, out, outer);
        pos = s->hl[i].end;
    }
    NS_STICKY(&rc, ns_term_put(out, t + pos, s->text.len - pos, NS_TERM_TEXT));
    if (color && outer)
        ns_buf_puts_s(&rc, out, C_RESET);
    return rc;
}

/* sr_snippet's white space */
static bool is_space(char ch)
{
    return ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Appends a stored title as a whole-title snippet shows it, without
 * highlights: white space runs folded to one space, none at either end. */
static ns_rc put_folded(ns_buf *out, const char *s, size_t len, bool color)
{
    ns_rc rc = NS_OK; /* sticky */
    if (color)
        ns_buf_puts_s(&rc, out, C_TITLE);
    size_t i = 0;
    bool gap = false, started = false;
    while (i < len && !rc) {
        size_t n = 0;
        while (i + n < len && !is_space(s[i + n]))
            n++;
        if (n) {
            if (gap && started)
                ns_buf_putc_s(&rc, out, ' ');
            NS_STICKY(&rc, ns_term_put(out, s + i, n, NS_TERM_TEXT));
            gap = false;
            started = true;
            i += n;
        } else {
            gap = true;
            i++;
        }
    }
    if (color)
        ns_buf_puts_s(&rc, out, C_RESET);
    return rc;
}

static bool has_word(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!is_space(s[i]))
            return true;
    return false;
}

static ns_rc put_json_field(ns_buf *out, const char *name, const char *s, size_t len)
{
    ns_rc rc = NS_OK;
    ns_buf_printf_s(&rc, out, ",\"%s\":", name);
    NS_STICKY(&rc, ns_json_put_string(out, s, len));
    return rc;
}

/* Appends "\"NAME\":VALUE" for each of d's other fields, comma-separated
 * (and after a comma when lead). */
/* Whether name[0..len) is in the comma-separated list (NULL: every name). */
static bool field_wanted(const char *list, const char *name, size_t len)
{
    if (!list)
        return true;
    for (const char *p = list;;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n == len && memcmp(p, name, len) == 0)
            return true;
        if (!c)
            return false;
        p = c + 1;
    }
}

/* The document's other fields as JSON members: `open` before the first
 * one written and `close` after the last (none written: neither); only
 * those `wanted` names (NULL: all). */
static ns_rc put_json_extras(ns_buf *out, const sr_index *ix, const sr_doc *d, const char *open,
                             const char *close, const char *wanted, ns_err *err)
{
    sr_field_iter it;
    sr_field f;
    sr_doc_field_first(d, &it);
    int r;
    ns_rc rc = NS_OK; /* sticky */
    bool lead = false;
    while (!rc && (r = sr_doc_field_next(ix, d, &it, &f, err)) == 1) {
        if (!field_wanted(wanted, f.name, f.name_len))
            continue;
        if (!f.v)
            return ns_err_set(err, NS_E_ARG, "internal error: field value in the frame not fetched");
        ns_buf_puts_s(&rc, out, lead ? "," : open);
        lead = true;
        NS_STICKY(&rc, ns_json_put_string(out, f.name, f.name_len));
        ns_buf_putc_s(&rc, out, ':');
        if (f.type == NS_VAL_STRING)
            NS_STICKY(&rc, ns_json_put_string(out, f.v, f.len));
        else
            ns_buf_append_s(&rc, out, f.v, f.len);
    }
    if (lead)
        ns_buf_puts_s(&rc, out, close);
    if (rc)
        return ns_err_set(err, rc, "out of memory");
    return r < 0 ? NS_E_CORRUPT : NS_OK;
}

/* The highlights of s as [start, end) pairs in UTF-16 code units: a code
 * point of four UTF-8 bytes is two units, any other one. */
static void put_utf16_highlights(ns_rc *rc, ns_buf *out, const sr_snippet *s)
{
    const uint8_t *t = s->text.data;
    size_t at = 0, units = 0;
    ns_buf_puts_s(rc, out, ",\"highlights_utf16\":[");
    for (size_t i = 0; i < s->n_hl && !*rc; i++) {
        size_t ends[2] = {s->hl[i].start, s->hl[i].end}, u[2];
        for (int k = 0; k < 2; k++) {
            for (; at < ends[k] && at < s->text.len; at++)
                if ((t[at] & 0xC0) != 0x80)
                    units += t[at] >= 0xF0 ? 2 : 1;
            u[k] = units;
        }
        ns_buf_printf_s(rc, out, "%s[%zu,%zu]", i ? "," : "", u[0], u[1]);
    }
    ns_buf_putc_s(rc, out, ']');
}

ns_rc sr_output_doc(ns_buf *out, const sr_out_opts *o, const sr_index *ix, const sr_doc *d,
                    ns_err *err)
{
    ns_rc rc = NS_OK; /* sticky: the first failure stops the appends after it */
    if (o->fmt != SR_FMT_TEXT) {
        ns_buf_puts_s(&rc, out, "{\"id\":");
        NS_STICKY(&rc, ns_json_put_string(out, d->f[NS_FIELD_ID], d->len[NS_FIELD_ID]));
        NS_STICKY(&rc, put_json_field(out, "title", d->f[NS_FIELD_TITLE], d->len[NS_FIELD_TITLE]));
        if (d->len[NS_FIELD_DATE])
            NS_STICKY(&rc, put_json_field(out, "date", d->f[NS_FIELD_DATE], d->len[NS_FIELD_DATE]));
        if (d->len[NS_FIELD_URL])
            NS_STICKY(&rc, put_json_field(out, "url", d->f[NS_FIELD_URL], d->len[NS_FIELD_URL]));
        NS_STICKY(&rc, put_json_field(out, "body", d->f[NS_FIELD_BODY], d->len[NS_FIELD_BODY]));
        if (rc)
            return ns_err_set(err, rc, "out of memory");
        if ((rc = put_json_extras(out, ix, d, ",", "", NULL, err)))
            return rc;
        ns_buf_puts_s(&rc, out, "}\n");
        return rc ? ns_err_set(err, rc, "out of memory") : NS_OK;
    }
    static const char *const label[] = {"id", "title", "body", "date", "url"};
    static const int order[] = {NS_FIELD_ID, NS_FIELD_TITLE, NS_FIELD_DATE, NS_FIELD_URL};
    for (int i = 0; i < 4; i++) {
        int k = order[i];
        if (k != NS_FIELD_ID && k != NS_FIELD_TITLE && !d->len[k])
            continue;
        ns_buf_printf_s(&rc, out, "%s: ", label[k]);
        NS_STICKY(&rc, ns_term_put(out, d->f[k], d->len[k],
                                   k == NS_FIELD_TITLE ? NS_TERM_TEXT : NS_TERM_NAME));
        ns_buf_putc_s(&rc, out, '\n');
    }
    sr_field_iter it;
    sr_field f;
    sr_doc_field_first(d, &it);
    int r = 0;
    while (!rc && (r = sr_doc_field_next(ix, d, &it, &f, err)) == 1) {
        NS_STICKY(&rc, ns_term_put(out, f.name, f.name_len, NS_TERM_NAME));
        ns_buf_puts_s(&rc, out, ": ");
        NS_STICKY(&rc, ns_term_put(out, f.v ? f.v : "", f.v ? f.len : 0, NS_TERM_TEXT));
        ns_buf_putc_s(&rc, out, '\n');
    }
    if (!rc && r < 0)
        return NS_E_CORRUPT;
    /* the body, every line indented, after an empty line */
    ns_buf_puts_s(&rc, out, "\n");
    const char *b = d->f[NS_FIELD_BODY], *end = b + d->len[NS_FIELD_BODY];
    while (!rc && b < end) {
        const char *nl = memchr(b, '\n', (size_t)(end - b));
        size_t n = nl ? (size_t)(nl - b) : (size_t)(end - b);
        ns_buf_puts_s(&rc, out, "    ");
        NS_STICKY(&rc, ns_term_put(out, b, n, NS_TERM_TEXT));
        ns_buf_putc_s(&rc, out, '\n');
        b += n + (nl != NULL);
    }
    ns_buf_putc_s(&rc, out, '\n');
    return rc ? ns_err_set(err, rc, "out of memory") : NS_OK;
}

ns_rc sr_output_hit(ns_buf *out, const sr_out_opts *o, const sr_out_hit *h, ns_err *err)
{
    const sr_doc *d = h->doc;
    ns_rc rc = NS_OK; /* sticky: the first failure stops the appends after it */
    switch (o->fmt) {
    case SR_FMT_TREC: /* six fields, whatever the id and qid hold */
        if (o->qid)
            NS_STICKY(&rc, ns_term_put(out, o->qid, strlen(o->qid), NS_TERM_TOKEN));
        else
            ns_buf_puts_s(&rc, out, "1");
        ns_buf_puts_s(&rc, out, " Q0 ");
        NS_STICKY(&rc, ns_term_put(out, d->f[NS_FIELD_ID], d->len[NS_FIELD_ID], NS_TERM_TOKEN));
        ns_buf_printf_s(&rc, out, " %zu %.6f nsearch\n", h->rank, h->score);
        return rc ? ns_err_set(err, rc, "out of memory") : NS_OK;
    case SR_FMT_JSON:
        ns_buf_puts_s(&rc, out, "{");
        if (o->qid) {
            ns_buf_puts_s(&rc, out, "\"qid\":");
            NS_STICKY(&rc, ns_json_put_string(out, o->qid, strlen(o->qid)));
            ns_buf_puts_s(&rc, out, ",");
        }
        ns_buf_printf_s(&rc, out, "\"rank\":%zu", h->rank);
        NS_STICKY(&rc, put_json_field(out, "id", d->f[NS_FIELD_ID], d->len[NS_FIELD_ID]));
        NS_STICKY(&rc, put_json_field(out, "title", d->f[NS_FIELD_TITLE], d->len[NS_FIELD_TITLE]));
        ns_buf_printf_s(&rc, out, ",\"score\":%.6f", h->score);
        if (d->len[NS_FIELD_DATE])
            NS_STICKY(&rc, put_json_field(out, "date", d->f[NS_FIELD_DATE], d->len[NS_FIELD_DATE]));
        if (d->len[NS_FIELD_URL])
            NS_STICKY(&rc, put_json_field(out, "url", d->f[NS_FIELD_URL], d->len[NS_FIELD_URL]));
        if (rc)
            return ns_err_set(err, rc, "out of memory");
        if (d->n_extra && (!o->fields || *o->fields)) {
            ns_rc xr = put_json_extras(out, h->ix, d, ",\"fields\":{", "}", o->fields, err);
            if (xr)
                return xr; /* its own message */
        }
        if (h->snippet) {
            NS_STICKY(&rc, put_json_field(out, "snippet", (const char *)h->snippet->text.data,
                                          h->snippet->text.len));
            ns_buf_puts_s(&rc, out, ",\"highlights\":[");
            for (size_t i = 0; i < h->snippet->n_hl && !rc; i++)
                ns_buf_printf_s(&rc, out, "%s[%zu,%zu]", i ? "," : "", h->snippet->hl[i].start,
                                h->snippet->hl[i].end);
            ns_buf_putc_s(&rc, out, ']');
            if (o->utf16)
                put_utf16_highlights(&rc, out, h->snippet);
        }
        if (h->explain) {
            ns_buf_puts_s(&rc, out, ",\"explain\":");
            ns_buf_append_s(&rc, out, h->explain, h->explain_len);
        }
        ns_buf_puts_s(&rc, out, "}\n");
        return rc ? ns_err_set(err, rc, "out of memory") : NS_OK;
    case SR_FMT_TEXT:
        ns_buf_printf_s(&rc, out, "%s%zu. [%.4f]%s ", o->color ? C_DIM : "", h->rank, h->score,
                        o->color ? C_RESET : "");
        if (h->title && h->title->text.len)
            NS_STICKY(&rc, put_marked(out, h->title, o->color, C_TITLE));
        else if (!h->title && has_word(d->f[NS_FIELD_TITLE], d->len[NS_FIELD_TITLE]))
            NS_STICKY(&rc, put_folded(out, d->f[NS_FIELD_TITLE], d->len[NS_FIELD_TITLE], o->color));
        else
            ns_buf_puts_s(&rc, out, "(untitled)");
        ns_buf_printf_s(&rc, out, "\n   %s", o->color ? C_DIM : "");
        NS_STICKY(&rc, ns_term_put(out, d->f[NS_FIELD_ID], d->len[NS_FIELD_ID], NS_TERM_NAME));
        if (d->len[NS_FIELD_DATE]) {
            ns_buf_puts_s(&rc, out, "  ");
            NS_STICKY(&rc, ns_term_put(out, d->f[NS_FIELD_DATE], d->len[NS_FIELD_DATE], NS_TERM_NAME));
        }
        ns_buf_printf_s(&rc, out, "%s\n", o->color ? C_RESET : "");
        if (h->snippet && h->snippet->text.len) {
            ns_buf_puts_s(&rc, out, "   ");
            NS_STICKY(&rc, put_marked(out, h->snippet, o->color, NULL));
            ns_buf_puts_s(&rc, out, "\n");
        }
        if (h->explain)
            ns_buf_append_s(&rc, out, h->explain, h->explain_len);
        ns_buf_puts_s(&rc, out, "\n");
        return rc ? ns_err_set(err, rc, "out of memory") : NS_OK;
    }
    return ns_err_set(err, NS_E_ARG, "internal error: unknown format");
}

ns_rc sr_output_query(ns_buf *out, const sr_out_opts *o, const char *text, size_t len)
{
    if (o->fmt != SR_FMT_TEXT)
        return NS_OK;
    ns_rc rc = NS_OK;
    ns_buf_puts_s(&rc, out, "# query ");
    NS_STICKY(&rc, ns_term_put(out, o->qid ? o->qid : "1", o->qid ? strlen(o->qid) : 1, NS_TERM_NAME));
    ns_buf_puts_s(&rc, out, ": ");
    NS_STICKY(&rc, ns_term_put(out, text, len, NS_TERM_TEXT));
    ns_buf_puts_s(&rc, out, "\n");
    return rc;
}
