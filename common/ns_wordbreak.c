/* ns_wordbreak: ICU word segmentation and CJK runs (see ns_wordbreak.h). */
#include "ns_wordbreak.h"

#include <stdint.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include "ns_alloc.h"

struct ns_wb {
    UBreakIterator *bi; /* owned */
    UText ut;           /* reopened on each span */
};

ns_rc ns_wb_new(ns_wb **out, ns_err *err)
{
    *out = NULL;
    ns_wb *w = ns_calloc(1, sizeof *w);
    if (!w)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    UErrorCode e = U_ZERO_ERROR;
    w->bi = ubrk_open(UBRK_WORD, "", NULL, 0, &e);
    if (U_FAILURE(e)) {
        ns_free(w);
        return ns_err_set(err, e == U_MEMORY_ALLOCATION_ERROR ? NS_E_NOMEM : NS_E_ARG,
                          "cannot open ICU's word break iterator: %s", u_errorName(e));
    }
    UText init = UTEXT_INITIALIZER;
    w->ut = init;
    *out = w;
    return NS_OK;
}

void ns_wb_free(ns_wb *w)
{
    if (!w)
        return;
    ubrk_close(w->bi);
    utext_close(&w->ut);
    ns_free(w);
}

static bool is_cjk(UChar32 c)
{
    if (c < 0x2E80)
        return false; /* below the CJK radicals: no Han, kana or Katakana-like */
    UErrorCode e = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(c, &e);
    if (sc == USCRIPT_HAN || sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA)
        return true;
    return u_getIntPropertyValue(c, UCHAR_WORD_BREAK) == U_WB_KATAKANA;
}

static bool attaches(UChar32 c)
{
    int wb = u_getIntPropertyValue(c, UCHAR_WORD_BREAK);
    return wb == U_WB_EXTEND || wb == U_WB_FORMAT || wb == U_WB_ZWJ;
}

/* ICU's words of s[from, to), none of it CJK.  Returns -1 on failure, 1
 * when cb asked to stop, else 0. */
static int icu_words(ns_wb *w, const char *s, size_t from, size_t to, ns_wb_cb cb, void *ctx)
{
    UErrorCode e = U_ZERO_ERROR;
    utext_openUTF8(&w->ut, s + from, (int64_t)(to - from), &e);
    ubrk_setUText(w->bi, &w->ut, &e);
    if (U_FAILURE(e))
        return -1;
    int32_t p = ubrk_first(w->bi), q;
    while ((q = ubrk_next(w->bi)) != UBRK_DONE) {
        if (ubrk_getRuleStatus(w->bi) >= UBRK_WORD_NONE_LIMIT &&
            cb(ctx, NS_WB_WORD, from + (size_t)p, from + (size_t)q, false))
            return 1;
        p = q;
    }
    return 0;
}

ns_rc ns_wb_split(ns_wb *w, const char *text, size_t from, size_t to, ns_wb_cb cb, void *ctx)
{
    const uint8_t *s = (const uint8_t *)text;
    size_t i = from, plain = from; /* plain: start of the text not yet given to ICU */
    bool in_run = false;
    while (i < to) {
        size_t at = i;
        UChar32 c;
        if (s[i] < 0x80) {
            c = s[i++];
        } else {
            int32_t k = (int32_t)(i - from), n = (int32_t)(to - from);
            U8_NEXT_OR_FFFD(s + from, k, n, c);
            i = from + (size_t)k;
        }
        if (!is_cjk(c)) {
            if (!(in_run && attaches(c)))
                in_run = false;
            continue;
        }
        /* A CJK character: the text before it goes to ICU first. */
        if (plain < at && !in_run) {
            int r = icu_words(w, text, plain, at, cb, ctx);
            if (r)
                return r < 0 ? NS_E_NOMEM : NS_OK;
        }
        size_t end = i;
        while (end < to) { /* its marks */
            int32_t k = (int32_t)(end - from), n = (int32_t)(to - from);
            UChar32 m;
            U8_NEXT_OR_FFFD(s + from, k, n, m);
            if (!attaches(m))
                break;
            end = from + (size_t)k;
        }
        if (cb(ctx, NS_WB_CJK, at, end, !in_run))
            return NS_OK;
        in_run = true;
        i = plain = end;
    }
    if (plain < to) {
        int r = icu_words(w, text, plain, to, cb, ctx);
        if (r)
            return r < 0 ? NS_E_NOMEM : NS_OK;
    }
    return NS_OK;
}
