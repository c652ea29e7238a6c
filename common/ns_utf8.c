/* ns_utf8: strict UTF-8 decoding, validation and repair (see ns_utf8.h).
 *
 * Its own file because every text path (corpus readers, analyzer, snippets,
 * JSON output) needs the same definition of "valid": RFC 3629 with
 * overlongs, surrogates and code points above U+10FFFF rejected. */
#include "ns_utf8.h"

#include <string.h>

size_t ns_utf8_decode(const uint8_t *s, size_t len, uint32_t *cp)
{
    uint8_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2) /* continuation byte, or overlong 2-byte lead C0/C1 */
        goto bad;
    if (c < 0xE0) {
        if (len < 2 || (s[1] & 0xC0) != 0x80)
            goto bad;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        if (len < 3)
            goto bad;
        uint8_t c1 = s[1], c2 = s[2];
        if ((c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80)
            goto bad;
        if (c == 0xE0 && c1 < 0xA0) /* overlong */
            goto bad;
        if (c == 0xED && c1 >= 0xA0) /* U+D800..DFFF */
            goto bad;
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(c1 & 0x3F) << 6) | (c2 & 0x3F);
        return 3;
    }
    if (c < 0xF5) {
        if (len < 4)
            goto bad;
        uint8_t c1 = s[1], c2 = s[2], c3 = s[3];
        if ((c1 & 0xC0) != 0x80 || (c2 & 0xC0) != 0x80 || (c3 & 0xC0) != 0x80)
            goto bad;
        if (c == 0xF0 && c1 < 0x90) /* overlong */
            goto bad;
        if (c == 0xF4 && c1 >= 0x90) /* above U+10FFFF */
            goto bad;
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(c1 & 0x3F) << 12) |
              ((uint32_t)(c2 & 0x3F) << 6) | (c3 & 0x3F);
        return 4;
    }
bad: /* F5..FF never appear in UTF-8 */
    *cp = NS_UTF8_REPLACEMENT;
    return 1;
}

#define NS_U64_ONES 0x0101010101010101ull
#define NS_U64_HIGHS 0x8080808080808080ull

/* True when the 8 bytes at s are all ASCII and none is NUL. */
static inline bool ascii8_no_nul(const uint8_t *s)
{
    uint64_t v;
    memcpy(&v, s, 8);
    /* (v - 1s) & ~v & highs is non-zero iff some byte is zero. */
    return ((v | ((v - NS_U64_ONES) & ~v)) & NS_U64_HIGHS) == 0;
}

bool ns_utf8_valid(const uint8_t *s, size_t len, size_t *bad_off)
{
    size_t i = 0;
    while (i < len) {
        if (len - i >= 8 && ascii8_no_nul(s + i)) {
            i += 8;
            continue;
        }
        uint8_t c = s[i];
        if (c != 0 && c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = ns_utf8_decode(s + i, len - i, &cp);
        if (c == 0 || (n == 1 && cp == NS_UTF8_REPLACEMENT)) {
            if (bad_off)
                *bad_off = i;
            return false;
        }
        i += n;
    }
    return true;
}

ns_rc ns_utf8_repair(const uint8_t *s, size_t len, ns_buf *out, size_t *n_bad)
{
    static const uint8_t repl[3] = {0xEF, 0xBF, 0xBD};
    size_t bad = 0, run = 0, i = 0;
    ns_rc rc = NS_OK;
    while (i < len) {
        if (len - i >= 8 && ascii8_no_nul(s + i)) {
            i += 8;
            continue;
        }
        uint8_t c = s[i];
        if (c != 0 && c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = ns_utf8_decode(s + i, len - i, &cp);
        if (c != 0 && !(n == 1 && cp == NS_UTF8_REPLACEMENT)) {
            i += n;
            continue;
        }
        /* Flush the valid run s[run..i), then replace or drop s[i]. */
        if ((rc = ns_buf_append(out, s + run, i - run)) != NS_OK)
            goto done;
        if (c != 0 && (rc = ns_buf_append(out, repl, sizeof repl)) != NS_OK)
            goto done;
        bad++;
        i++;
        run = i;
    }
    rc = ns_buf_append(out, s + run, len - run);
done:
    if (n_bad)
        *n_bad = bad;
    return rc;
}

size_t ns_utf8_encode(uint32_t cp, uint8_t out[4])
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

size_t ns_utf8_floor(const uint8_t *s, size_t len, size_t off)
{
    if (off >= len)
        return len;
    while (off > 0 && (s[off] & 0xC0) == 0x80)
        off--;
    return off;
}
