/* ns_term: terminal-safe and record-safe text (see ns_term.h). */
#include "ns_term.h"

#include <stdbool.h>
#include <stdint.h>

#include "ns_utf8.h"

static bool unsafe_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

static bool is_space_ctl(uint8_t b) { return b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r'; }

/* True when the ASCII byte b is written as itself in style st. */
static bool plain_ascii(uint8_t b, ns_term_style st)
{
    if (b < 0x20 || b >= 0x7F)
        return false;
    if (st == NS_TERM_NAME)
        return b != '\\';
    if (st == NS_TERM_TOKEN)
        return b != ' ' && b != '%';
    return true;
}

ns_rc ns_term_put(ns_buf *out, const char *str, size_t len, ns_term_style st)
{
    static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
    const uint8_t *s = (const uint8_t *)str;
    if (st == NS_TERM_TOKEN && len == 0)
        return ns_buf_putc(out, '%');
    ns_rc rc = NS_OK;
    size_t i = 0;
    while (i < len && !rc) {
        size_t run = i;
        while (run < len && plain_ascii(s[run], st))
            run++;
        if (run > i) {
            rc = ns_buf_append(out, s + i, run - i);
            i = run;
            continue;
        }
        uint8_t b = s[i];
        uint32_t cp = b;
        size_t n = b < 0x80 ? 1 : ns_utf8_decode(s + i, len - i, &cp);
        bool bad_byte = b >= 0x80 && n == 1; /* not UTF-8 */
        bool unsafe = b < 0x20 || b == 0x7F || bad_byte || unsafe_cp(cp);
        if (st == NS_TERM_TOKEN) {
            if (!unsafe && b != ' ' && b != '%') {
                rc = ns_buf_append(out, s + i, n);
            } else {
                for (size_t k = 0; k < n && !rc; k++) {
                    char e[3] = {'%', upper[s[i + k] >> 4], upper[s[i + k] & 15]};
                    rc = ns_buf_append(out, e, 3);
                }
            }
        } else if (!unsafe) {
            rc = b == '\\' ? ns_buf_append(out, "\\\\", 2) : ns_buf_append(out, s + i, n);
        } else if (st == NS_TERM_TEXT && is_space_ctl(b)) {
            rc = ns_buf_putc(out, ' ');
        } else if (cp < 0x80 || bad_byte) {
            char e[4] = {'\\', 'x', lower[b >> 4], lower[b & 15]};
            rc = ns_buf_append(out, e, 4);
        } else {
            char e[6] = {'\\', 'u', lower[(cp >> 12) & 15], lower[(cp >> 8) & 15],
                         lower[(cp >> 4) & 15], lower[cp & 15]};
            rc = ns_buf_append(out, e, 6);
        }
        i += n;
    }
    return rc;
}
