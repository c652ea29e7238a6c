/* ns_unorm: NFKC_Casefold and diacritic removal on ICU (see ns_unorm.h).
 *
 * ICU normalizes UTF-16, so a word goes UTF-8 -> UTF-16 -> NFKC_Casefold
 * -> (NFD -> drop Latin/Greek nonspacing marks -> NFC) -> UTF-8, in two
 * growable UTF-16 buffers.  Only words with a byte >= 0x80 come here: the
 * analyzer folds ASCII itself (an ASCII word's NFKC_Casefold is its lower
 * case). */
#include "ns_unorm.h"

#include <string.h>

#include <unicode/uchar.h>
#include <unicode/utf8.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/uversion.h>

#include "ns_alloc.h"

struct ns_unorm {
    bool fold_diacritics;
    const UNormalizer2 *kc; /* borrowed from ICU (static data) */
    const UNormalizer2 *nfd, *nfc;
    UChar *b[2];            /* owned: scratch */
    int32_t cap[2];         /* in UChars */
};

ns_rc ns_unorm_new(bool fold_diacritics, ns_unorm **out, ns_err *err)
{
    *out = NULL;
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *kc = unorm2_getNFKCCasefoldInstance(&e);
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&e);
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&e);
    if (U_FAILURE(e))
        return ns_err_set(err, NS_E_ARG, "cannot load ICU's normalization data: %s",
                          u_errorName(e));
    ns_unorm *u = ns_calloc(1, sizeof *u);
    if (!u)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    u->fold_diacritics = fold_diacritics;
    u->kc = kc;
    u->nfd = nfd;
    u->nfc = nfc;
    *out = u;
    return NS_OK;
}

void ns_unorm_free(ns_unorm *u)
{
    if (!u)
        return;
    ns_free(u->b[0]);
    ns_free(u->b[1]);
    ns_free(u);
}

const char *ns_unorm_unicode_version(void) { return U_UNICODE_VERSION; }

const char *ns_unorm_icu_version(void) { return U_ICU_VERSION; }

static bool reserve(ns_unorm *u, int k, int64_t n)
{
    if (n <= u->cap[k])
        return true;
    if (n > INT32_MAX / 2)
        return false;
    int32_t c = u->cap[k] ? u->cap[k] : 64;
    while (c < n)
        c *= 2;
    UChar *p = ns_realloc(u->b[k], (size_t)c * sizeof *p);
    if (!p)
        return false;
    u->b[k] = p;
    u->cap[k] = c;
    return true;
}

/* Normalizes b[from][0..n) with nm into b[1 - from]; returns the length or
 * -1 when out of memory. */
static int32_t norm(ns_unorm *u, const UNormalizer2 *nm, int from, int32_t n)
{
    int to = 1 - from;
    for (;;) {
        UErrorCode e = U_ZERO_ERROR;
        int32_t m = unorm2_normalize(nm, u->b[from], n, u->b[to], u->cap[to], &e);
        if (e == U_BUFFER_OVERFLOW_ERROR) {
            if (!reserve(u, to, (int64_t)m + 1))
                return -1;
            continue;
        }
        return U_FAILURE(e) ? -1 : m;
    }
}

static bool folds_marks(UChar32 base)
{
    UErrorCode e = U_ZERO_ERROR;
    UScriptCode sc = uscript_getScript(base, &e);
    return U_SUCCESS(e) && (sc == USCRIPT_LATIN || sc == USCRIPT_GREEK);
}

/* Removes, in place, the nonspacing marks that follow a Latin or Greek
 * base in the NFD text b[0..n); returns the new length. */
static int32_t strip_marks(UChar *b, int32_t n)
{
    int32_t i = 0, o = 0;
    bool strip = false;
    while (i < n) {
        int32_t at = i;
        UChar32 c;
        U16_NEXT(b, i, n, c);
        if (u_charType(c) == U_NON_SPACING_MARK && u_getCombiningClass(c) != 0) {
            if (strip)
                continue;
        } else {
            strip = folds_marks(c);
        }
        while (at < i)
            b[o++] = b[at++];
    }
    return o;
}

ns_rc ns_unorm_fold(ns_unorm *u, const char *s, size_t len, ns_buf *out)
{
    if (len > INT32_MAX / 4 || !reserve(u, 0, (int64_t)len + 1) || !reserve(u, 1, (int64_t)len + 1))
        return NS_E_NOMEM;
    UErrorCode e = U_ZERO_ERROR;
    int32_t n;
    u_strFromUTF8WithSub(u->b[0], u->cap[0], &n, s, (int32_t)len, 0xFFFD, NULL, &e);
    if (U_FAILURE(e))
        return NS_E_NOMEM; /* the buffer holds len + 1 UChars: cannot overflow */
    int cur = 0;
    /* U+0345 (ypogegrammeni, ccc 240) folds to iota (ccc 0), which can
     * reorder it against other marks: canonical caseless matching (Unicode
     * D145) starts from NFD for this one character. */
    if (u_memchr32(u->b[0], 0x0345, n)) {
        if ((n = norm(u, u->nfd, cur, n)) < 0)
            return NS_E_NOMEM;
        cur = 1;
    }
    if ((n = norm(u, u->kc, cur, n)) < 0)
        return NS_E_NOMEM;
    cur = 1 - cur;
    if (u->fold_diacritics) {
        UErrorCode qe = U_ZERO_ERROR;
        /* NFKC_Casefold output is NFC; only text with a decomposition can
         * carry a mark to remove. */
        if (!unorm2_isNormalized(u->nfd, u->b[cur], n, &qe) || U_FAILURE(qe)) {
            if ((n = norm(u, u->nfd, cur, n)) < 0)
                return NS_E_NOMEM;
            cur = 1 - cur;
            n = strip_marks(u->b[cur], n);
            if ((n = norm(u, u->nfc, cur, n)) < 0)
                return NS_E_NOMEM;
            cur = 1 - cur;
        } else {
            n = strip_marks(u->b[cur], n); /* marks with no base to compose with */
        }
    }
    int32_t need = 0;
    e = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &need, u->b[cur], n, &e);
    if (ns_buf_reserve(out, (size_t)need + 1))
        return NS_E_NOMEM;
    e = U_ZERO_ERROR;
    int32_t got;
    u_strToUTF8((char *)out->data + out->len, (int32_t)(out->cap - out->len), &got, u->b[cur], n,
                &e);
    if (U_FAILURE(e))
        return NS_E_NOMEM;
    out->len += (size_t)got;
    return NS_OK;
}

bool ns_unorm_is_wordish(const char *s, size_t len)
{
    if (len > INT32_MAX)
        return false;
    int32_t i = 0, n = (int32_t)len;
    while (i < n) {
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c < 0)
            return false;
        int8_t t = u_charType(c);
        if (!(u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || t == U_DECIMAL_DIGIT_NUMBER ||
              t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK || t == U_ENCLOSING_MARK))
            return false;
    }
    return true;
}

bool ns_unorm_starts_word(const char *s, size_t len)
{
    int32_t i = 0, n = len > 4 ? 4 : (int32_t)len;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0)
        return true; /* not UTF-8: separates, as a word's start does */
    int wb = u_getIntPropertyValue(c, UCHAR_WORD_BREAK);
    return wb != U_WB_EXTEND && wb != U_WB_FORMAT && wb != U_WB_ZWJ;
}

bool ns_unorm_has_alnum(const char *s, size_t len)
{
    if (len > INT32_MAX)
        len = INT32_MAX;
    int32_t i = 0, n = (int32_t)len;
    while (i < n) {
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c >= 0 && (u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || u_isdigit(c)))
            return true;
    }
    return false;
}
