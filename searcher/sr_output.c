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
    ns_rc rc = NS_OK;
    if (color && outer)
        rc = ns_buf_puts(out, outer);
    for (size_t i = 0; color && i < s->n_hl && !rc; i++) {
        rc = ns_term_put(out, t + pos, s->hl[i].start - pos, NS_TERM_TEXT);
        if (!rc)
            rc = ns_buf_puts(out, C_MATCH);
        if (!rc)
            rc = ns_term_put(out, t + s->hl[i].start, s->hl[i].end - s->hl[i].start, NS_TERM_TEXT);
        if (!rc)
            rc = ns_buf_puts(out, C_RESET);
        if (!rc && outer)
            rc = ns_buf_puts(out, outer);
        pos = s->hl[i].end;
    }
    if (!rc)
        rc = ns_term_put(out, t + pos, s->text.len - pos, NS_TERM_TEXT);
    if (!rc && color && outer)
        rc = ns_buf_puts(out, C_RESET);
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
    ns_rc rc = color ? ns_buf_puts(out, C_TITLE) : NS_OK;
    size_t i = 0;
    bool gap = false, started = false;
    while (i < len && !rc) {
        size_t n = 0;
        while (i + n < len && !is_space(s[i + n]))
            n++;
        if (n) {
            if (gap && started)
                rc = ns_buf_putc(out, ' ');
            if (!rc)
                rc = ns_term_put(out, s + i, n, NS_TERM_TEXT);
            gap = false;
            started = true;
            i += n;
        } else {
            gap = true;
            i++;
        }
    }
    if (!rc && color)
        rc = ns_buf_puts(out, C_RESET);
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
    ns_rc rc = ns_buf_printf(out, ",\"%s\":", name);
    return rc ? rc : ns_json_put_string(out, s, len);
}

ns_rc sr_output_hit(ns_buf *out, const sr_out_opts *o, const sr_out_hit *h)
{
    const sr_doc *d = h->doc;
    ns_rc rc = NS_OK;
    switch (o->fmt) {
    case SR_FMT_TREC: /* six fields, whatever the id and qid hold */
        rc = o->qid ? ns_term_put(out, o->qid, strlen(o->qid), NS_TERM_TOKEN) : ns_buf_puts(out, "1");
        if (!rc)
            rc = ns_buf_puts(out, " Q0 ");
        if (!rc)
            rc = ns_term_put(out, d->f[NS_FIELD_ID], d->len[NS_FIELD_ID], NS_TERM_TOKEN);
        return rc ? rc : ns_buf_printf(out, " %zu %.6f nsearch\n", h->rank, h->score);
    case SR_FMT_JSON:
        rc = ns_buf_puts(out, "{");
        if (!rc && o->qid) {
            rc = ns_buf_puts(out, "\"qid\":");
            if (!rc)
                rc = ns_json_put_string(out, o->qid, strlen(o->qid));
            if (!rc)
                rc = ns_buf_puts(out, ",");
        }
        if (!rc)
            rc = ns_buf_printf(out, "\"rank\":%zu", h->rank);
        if (!rc)
            rc = put_json_field(out, "id", d->f[NS_FIELD_ID], d->len[NS_FIELD_ID]);
        if (!rc)
            rc = put_json_field(out, "title", d->f[NS_FIELD_TITLE], d->len[NS_FIELD_TITLE]);
        if (!rc)
            rc = ns_buf_printf(out, ",\"score\":%.6f", h->score);
        if (!rc && d->len[NS_FIELD_DATE])
            rc = put_json_field(out, "date", d->f[NS_FIELD_DATE], d->len[NS_FIELD_DATE]);
        if (!rc && d->len[NS_FIELD_URL])
            rc = put_json_field(out, "url", d->f[NS_FIELD_URL], d->len[NS_FIELD_URL]);
        if (!rc && h->snippet) {
            rc = put_json_field(out, "snippet", (const char *)h->snippet->text.data,
                                h->snippet->text.len);
            if (!rc)
                rc = ns_buf_puts(out, ",\"highlights\":[");
            for (size_t i = 0; i < h->snippet->n_hl && !rc; i++)
                rc = ns_buf_printf(out, "%s[%zu,%zu]", i ? "," : "", h->snippet->hl[i].start,
                                   h->snippet->hl[i].end);
            if (!rc)
                rc = ns_buf_puts(out, "]");
        }
        if (!rc)
            rc = ns_buf_puts(out, "}\n");
        return rc;
    case SR_FMT_TEXT:
        rc = ns_buf_printf(out, "%s%zu. [%.4f]%s ", o->color ? C_DIM : "", h->rank, h->score,
                           o->color ? C_RESET : "");
        if (!rc && h->title && h->title->text.len)
            rc = put_marked(out, h->title, o->color, C_TITLE);
        else if (!rc && !h->title && has_word(d->f[NS_FIELD_TITLE], d->len[NS_FIELD_TITLE]))
            rc = put_folded(out, d->f[NS_FIELD_TITLE], d->len[NS_FIELD_TITLE], o->color);
        else if (!rc)
            rc = ns_buf_puts(out, "(untitled)");
        if (!rc)
            rc = ns_buf_printf(out, "\n   %s", o->color ? C_DIM : "");
        if (!rc)
            rc = ns_term_put(out, d->f[NS_FIELD_ID], d->len[NS_FIELD_ID], NS_TERM_NAME);
        if (!rc && d->len[NS_FIELD_DATE]) {
            rc = ns_buf_puts(out, "  ");
            if (!rc)
                rc = ns_term_put(out, d->f[NS_FIELD_DATE], d->len[NS_FIELD_DATE], NS_TERM_NAME);
        }
        if (!rc)
            rc = ns_buf_printf(out, "%s\n", o->color ? C_RESET : "");
        if (!rc && h->snippet && h->snippet->text.len) {
            rc = ns_buf_puts(out, "   ");
            if (!rc)
                rc = put_marked(out, h->snippet, o->color, NULL);
            if (!rc)
                rc = ns_buf_puts(out, "\n");
        }
        if (!rc)
            rc = ns_buf_puts(out, "\n");
        return rc;
    }
    return NS_E_ARG;
}

ns_rc sr_output_query(ns_buf *out, const sr_out_opts *o, const char *text, size_t len)
{
    if (o->fmt != SR_FMT_TEXT)
        return NS_OK;
    ns_rc rc = ns_buf_puts(out, "# query ");
    if (!rc)
        rc = ns_term_put(out, o->qid ? o->qid : "1", o->qid ? strlen(o->qid) : 1, NS_TERM_NAME);
    if (!rc)
        rc = ns_buf_puts(out, ": ");
    if (!rc)
        rc = ns_term_put(out, text, len, NS_TERM_TEXT);
    return rc ? rc : ns_buf_puts(out, "\n");
}
