/* ns_json: strict one-object-per-line JSON reader and the JSON string
 * escaper (see ns_json.h).
 *
 * The reader is a single forward pass.  Top-level members are parsed in a
 * loop; nested values go to skip_nested(), an explicit state machine with a
 * 64-bit stack of container kinds, so depth costs no C stack.  String bodies
 * are scanned 16 bytes at a time (SSE2 when available) for the few bytes
 * that need attention: '"', '\\', control characters and, when decoding,
 * non-ASCII (validated here, strictly, because ns_utf8 must not be a
 * dependency of the hot path).  Strings of unwanted members are only
 * checked (escapes, control characters), not decoded.  As in ns_utf8, each
 * byte that is not part of a valid sequence becomes one U+FFFD.
 *
 * Output bound: a decoded string is at most 3x its source bytes (an invalid
 * byte becomes the 3-byte U+FFFD; every escape shrinks), raw values 1x, and
 * the sources are disjoint, so reserving 3 * len + slack up front lets the
 * decoder store without bounds checks, 16 bytes at a time. */
#include "ns_json.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Slack after the 3x bound: the 16-byte stores in the string loops may run
 * up to 16 bytes past the decoded end. */
#define JSON_SLACK 64

#define JSON_STR_(x) #x
#define JSON_STR(x) JSON_STR_(x)

/* Bytes that stop a string scan: '"', '\\', control characters; when
 * decoding (or escaping), non-ASCII bytes too. */
#define JSON_STOP_SKIP(ch) ((ch) == '"' || (ch) == '\\' || (ch) < 0x20)
#define JSON_STOP_DEC(ch) (JSON_STOP_SKIP(ch) || (ch) >= 0x80)

/* Hex digit value + 1; 0 (the default) for anything else. */
static const int8_t json_hex[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
    ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
    ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16,
};

typedef struct jctx {
    const uint8_t *line; /* start of the input, for column numbers */
    const uint8_t *end;
    uint8_t *hw;         /* highest byte of scratch written past the data */
    ns_err *err;
} jctx;

static const uint8_t *jfail(const jctx *c, const uint8_t *p, const char *what)
{
    ns_err_set(c->err, NS_E_CORRUPT, "column %zu: %s%s", (size_t)(p - c->line) + 1, what,
               p >= c->end ? " (unexpected end of input)" : "");
    return NULL;
}

static inline int is_ws(uint8_t ch) { return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t'; }

static inline const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
    while (p < end && is_ws(*p))
        p++;
    return p;
}

static inline int is_digit(uint8_t ch) { return (unsigned)(ch - '0') < 10u; }

/* Returns the 16-bit value of the 4 hex digits at p (4 bytes readable), or
 * -1 - k where k is the index of the first bad digit. */
static inline int32_t hex4(const uint8_t *p)
{
    int32_t v = 0;
    for (int k = 0; k < 4; k++) {
        int d = json_hex[p[k]];
        if (!d)
            return -1 - k;
        v = (v << 4) | (d - 1);
    }
    return v;
}

/* Length (2..4) of the valid UTF-8 sequence at p (p[0] >= 0x80, p < end),
 * or 0: strict RFC 3629 (no overlongs, surrogates, > U+10FFFF, truncation). */
static inline size_t utf8_seq_len(const uint8_t *p, const uint8_t *end)
{
    uint8_t c0 = p[0];
    size_t avail = (size_t)(end - p);
    if (c0 < 0xC2)
        return 0;
    if (c0 < 0xE0)
        return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c0 < 0xF0) {
        uint8_t lo = c0 == 0xE0 ? 0xA0 : 0x80, hi = c0 == 0xED ? 0x9F : 0xBF;
        return avail >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c0 < 0xF5) {
        uint8_t lo = c0 == 0xF0 ? 0x90 : 0x80, hi = c0 == 0xF4 ? 0x8F : 0xBF;
        return avail >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
                       (p[3] & 0xC0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

static inline uint8_t *utf8_put(uint8_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (uint8_t)cp;
    } else if (cp < 0x800) {
        *o++ = (uint8_t)(0xC0 | (cp >> 6));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (uint8_t)(0xE0 | (cp >> 12));
        *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (uint8_t)(0xF0 | (cp >> 18));
        *o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (uint8_t)(0x80 | (cp & 0x3F));
    }
    return o;
}

static inline uint8_t *put_fffd(uint8_t *o)
{
    o[0] = 0xEF;
    o[1] = 0xBF;
    o[2] = 0xBD;
    return o + 3;
}

/* Checks the escape at p (p[0] == '\\'); returns the byte after it. */
static const uint8_t *check_escape(const jctx *c, const uint8_t *p)
{
    if (c->end - p < 2)
        return jfail(c, p + 1, "unterminated string");
    switch (p[1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        return p + 2;
    case 'u':
        break;
    default:
        return jfail(c, p, "invalid escape in string");
    }
    for (int k = 2; k < 6; k++) {
        if (p + k >= c->end)
            return jfail(c, p + k, "unterminated \\u escape");
        if (!json_hex[p[k]])
            return jfail(c, p + k, "invalid hex digit in \\u escape");
    }
    return p + 6;
}

/* Validates a string body starting after its opening quote without decoding
 * it; returns the byte after the closing quote. */
static const uint8_t *skip_string(const jctx *c, const uint8_t *p)
{
    const uint8_t *end = c->end;
    for (;;) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
        const __m128i c1f = _mm_set1_epi8(0x1f);
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                     _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v));
            unsigned mask = (unsigned)_mm_movemask_epi8(m);
            if (mask) {
                p += __builtin_ctz(mask);
                goto special;
            }
            p += 16;
        }
#endif
        while (p < end && !JSON_STOP_SKIP(*p))
            p++;
        if (p >= end)
            return jfail(c, p, "unterminated string");
#if defined(__SSE2__)
    special:
#endif
        if (*p == '"')
            return p + 1;
        if (*p != '\\')
            return jfail(c, p, "control character in string (must be escaped)");
        p = check_escape(c, p);
        if (!p)
            return NULL;
    }
}

/* Decodes a string body starting after its opening quote to *op (room for
 * 3x the source bytes + 16), counting U+FFFD repairs in *n_rep; returns the
 * byte after the closing quote and advances *op. */
static const uint8_t *decode_string(jctx *c, const uint8_t *p, uint8_t **op, unsigned *n_rep)
{
    const uint8_t *end = c->end;
    uint8_t *o = *op;
    for (;;) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
        const __m128i c20 = _mm_set1_epi8(0x20);
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            _mm_storeu_si128((__m128i *)(void *)o, v);
            /* signed compare: < 0x20 catches control bytes and >= 0x80 */
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                     _mm_cmplt_epi8(v, c20));
            unsigned mask = (unsigned)_mm_movemask_epi8(m);
            if (mask) {
                unsigned k = (unsigned)__builtin_ctz(mask);
                p += k;
                o += k;
                goto special;
            }
            p += 16;
            o += 16;
        }
#endif
        while (p < end && !JSON_STOP_DEC(*p))
            *o++ = *p++;
        if (p >= end) {
            p = jfail(c, p, "unterminated string");
            goto out;
        }
#if defined(__SSE2__)
    special:
#endif
        if (*p == '"') {
            p++;
            goto out;
        }
        if (*p >= 0x80) {
            size_t n = utf8_seq_len(p, end);
            if (n) {
                o[0] = p[0];
                o[1] = p[1];
                if (n > 2)
                    o[2] = p[2];
                if (n > 3)
                    o[3] = p[3];
                o += n;
                p += n;
            } else {
                o = put_fffd(o);
                (*n_rep)++;
                p++;
            }
            continue;
        }
        if (*p != '\\') {
            p = jfail(c, p, "control character in string (must be escaped)");
            goto out;
        }
        if (end - p < 2) {
            p = jfail(c, p + 1, "unterminated string");
            goto out;
        }
        switch (p[1]) {
        case '"': *o++ = '"'; p += 2; continue;
        case '\\': *o++ = '\\'; p += 2; continue;
        case '/': *o++ = '/'; p += 2; continue;
        case 'b': *o++ = '\b'; p += 2; continue;
        case 'f': *o++ = '\f'; p += 2; continue;
        case 'n': *o++ = '\n'; p += 2; continue;
        case 'r': *o++ = '\r'; p += 2; continue;
        case 't': *o++ = '\t'; p += 2; continue;
        case 'u': break;
        default:
            p = jfail(c, p, "invalid escape in string");
            goto out;
        }
        if (end - p < 6) {
            check_escape(c, p); /* fails; reports the exact column */
            p = NULL;
            goto out;
        }
        int32_t cp = hex4(p + 2);
        if (cp < 0) {
            p = jfail(c, p + 2 + (-1 - cp), "invalid hex digit in \\u escape");
            goto out;
        }
        p += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            int32_t lo = -1;
            if (end - p >= 6 && p[0] == '\\' && p[1] == 'u')
                lo = hex4(p + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else {
                cp = 0xFFFD; /* lone high surrogate; what follows is read normally */
                (*n_rep)++;
            }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD; /* lone low surrogate */
            (*n_rep)++;
        }
        o = utf8_put(o, (uint32_t)cp);
    }
out:
    if (o + 16 > c->hw)
        c->hw = o + 16;
    *op = o;
    return p;
}

/* Validates a number (RFC 8259 grammar) starting at p (p < end); returns
 * the byte after it.  What may follow is the caller's business. */
static const uint8_t *scan_number(const jctx *c, const uint8_t *p)
{
    const uint8_t *end = c->end;
    if (*p == '-')
        p++;
    if (p >= end)
        return jfail(c, p, "expected digit in number");
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p))
            return jfail(c, p, "leading zero in number");
    } else if (is_digit(*p)) {
        while (p < end && is_digit(*p))
            p++;
    } else {
        return jfail(c, p, "expected digit in number");
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p))
            return jfail(c, p, "expected digit after '.' in number");
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return jfail(c, p, "expected digit in exponent");
        while (p < end && is_digit(*p))
            p++;
    }
    return p;
}

/* Validates a literal: p[0] is 't', 'f' or 'n'. */
static const uint8_t *scan_literal(const jctx *c, const uint8_t *p)
{
    const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
    size_t n = strlen(lit);
    for (size_t i = 0; i < n; i++)
        if (p + i >= c->end || p[i] != (uint8_t)lit[i])
            return jfail(c, p + i, "invalid literal (expected true, false or null)");
    return p + n;
}

/* Validates the array or object at p (p[0] is '[' or '{') whose parent is at
 * nesting level `depth`; returns the byte after it.  Iterative: bit d - 1 of
 * `is_obj` says whether relative level d is an object. */
static const uint8_t *skip_nested(const jctx *c, const uint8_t *p, unsigned depth)
{
    const uint8_t *end = c->end;
    uint64_t is_obj = 0;
    unsigned d = 0;

open:
    if (depth + d + 1 > NS_JSON_MAX_DEPTH)
        return jfail(c, p, "nesting deeper than " JSON_STR(NS_JSON_MAX_DEPTH) " levels");
    d++;
    if (*p == '{') {
        is_obj |= (uint64_t)1 << (d - 1);
        p = skip_ws(p + 1, end);
        if (p < end && *p == '}') {
            p++;
            goto close;
        }
        goto key;
    }
    is_obj &= ~((uint64_t)1 << (d - 1));
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']') {
        p++;
        goto close;
    }
    goto value;

key:
    if (p >= end || *p != '"')
        return jfail(c, p, "expected member name (a string)");
    p = skip_string(c, p + 1);
    if (!p)
        return NULL;
    p = skip_ws(p, end);
    if (p >= end || *p != ':')
        return jfail(c, p, "expected ':' after member name");
    p = skip_ws(p + 1, end);
    /* fall through */

value:
    if (p >= end)
        return jfail(c, p, "expected value");
    switch (*p) {
    case '{': case '[':
        goto open;
    case '"':
        p = skip_string(c, p + 1);
        break;
    case 't': case 'f': case 'n':
        p = scan_literal(c, p);
        break;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        p = scan_number(c, p);
        break;
    default:
        return jfail(c, p, "expected value");
    }
    if (!p)
        return NULL;

after:
    p = skip_ws(p, end);
    if ((is_obj >> (d - 1)) & 1) {
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            goto key;
        }
        if (p < end && *p == '}') {
            p++;
            goto close;
        }
        return jfail(c, p, "expected ',' or '}' after object member");
    }
    if (p < end && *p == ',') {
        p = skip_ws(p + 1, end);
        goto value;
    }
    if (p < end && *p == ']') {
        p++;
        goto close;
    }
    return jfail(c, p, "expected ',' or ']' after array element");

close:
    if (--d == 0)
        return p;
    goto after;
}

/* name (NUL-terminated) == k[0..klen)?  Reads name only up to its NUL. */
static inline int key_eq(const char *name, const uint8_t *k, size_t klen)
{
    for (size_t i = 0; i < klen; i++)
        if ((uint8_t)name[i] != k[i] || name[i] == '\0')
            return 0;
    return name[klen] == '\0';
}

/* Copies the JSON text v[0..n) (validated) to o without the white space
 * outside strings; returns the bytes written. */
static size_t copy_minified(uint8_t *o, const uint8_t *v, size_t n)
{
    uint8_t *o0 = o;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = v[i];
        if (in_str) {
            *o++ = ch;
            if (ch == '\\')
                *o++ = v[++i];
            else if (ch == '"')
                in_str = 0;
        } else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') {
            *o++ = ch;
            in_str = ch == '"';
        }
    }
    return (size_t)(o - o0);
}

ns_rc ns_json_extract(const char *line, size_t len, ns_json_field *fields, size_t n_fields,
                      ns_buf *scratch, ns_err *err)
{
    return ns_json_extract_rest(line, len, fields, n_fields, NULL, 0, NULL, scratch, err);
}

ns_rc ns_json_extract_rest(const char *line, size_t len, ns_json_field *fields, size_t n_fields,
                           ns_json_member *rest, size_t max_rest, size_t *n_rest, ns_buf *scratch,
                           ns_err *err)
{
    if (n_rest)
        *n_rest = 0;
    for (size_t i = 0; i < n_fields; i++) {
        fields[i].type = NS_JSON_ABSENT;
        fields[i].off = fields[i].len = 0;
        fields[i].n_repaired = 0;
    }
    ns_buf_reset(scratch);
    if (len > (SIZE_MAX - JSON_SLACK) / 4)
        return ns_err_set(err, NS_E_NOMEM, "JSON line too long (%zu bytes)", len);
    if (ns_buf_reserve(scratch, 3 * len + JSON_SLACK) != NS_OK)
        return ns_err_set(err, NS_E_NOMEM, "out of memory decoding a JSON line");

    jctx c;
    c.line = (const uint8_t *)line;
    c.end = c.line + len;
    c.hw = scratch->data;
    c.err = err;
    const uint8_t *end = c.end;
    uint8_t *data = scratch->data;
    size_t used = 0; /* committed bytes of scratch */
    ns_rc rc = NS_E_CORRUPT;

    const uint8_t *p = skip_ws(c.line, end);
    if (p >= end || *p != '{') {
        jfail(&c, p, "expected '{'");
        goto out;
    }
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
        goto done;
    }
    for (;;) {
        if (p >= end || *p != '"') {
            jfail(&c, p, "expected member name (a string)");
            goto out;
        }
        /* The name is decoded into the uncommitted tail of scratch. */
        uint8_t *k = data + used, *ke = k;
        unsigned k_rep = 0;
        p = decode_string(&c, p + 1, &ke, &k_rep);
        if (!p)
            goto out;
        size_t want = n_fields;
        for (size_t i = 0; i < n_fields; i++) {
            if (key_eq(fields[i].name, k, (size_t)(ke - k))) {
                want = i;
                break;
            }
        }
        /* A member not asked for, with room for it in rest: its name is
         * committed to scratch and its value decoded like a field's. */
        int keep_rest = want == n_fields && rest && n_rest && *n_rest < max_rest;
        size_t name_off = used, name_len = (size_t)(ke - k);
        if (keep_rest)
            used += name_len;
        else if (want == n_fields && n_rest)
            (*n_rest)++; /* counted, not kept: the caller sees n_rest > max_rest */
        p = skip_ws(p, end);
        if (p >= end || *p != ':') {
            jfail(&c, p, "expected ':' after member name");
            goto out;
        }
        p = skip_ws(p + 1, end);
        if (p >= end) {
            jfail(&c, p, "expected value");
            goto out;
        }

        const uint8_t *v = p;
        ns_json_type type;
        unsigned n_rep = 0;
        size_t off = used, vlen = 0;
        switch (*p) {
        case '"':
            type = NS_JSON_STRING;
            if (want < n_fields || keep_rest) {
                uint8_t *o = data + used;
                p = decode_string(&c, p + 1, &o, &n_rep);
                vlen = (size_t)(o - (data + used));
            } else {
                p = skip_string(&c, p + 1);
            }
            break;
        case '{':
        case '[':
            type = *p == '{' ? NS_JSON_OBJECT : NS_JSON_ARRAY;
            p = skip_nested(&c, p, 1);
            break;
        case 't': case 'f': case 'n':
            type = *p == 'n' ? NS_JSON_NULL : NS_JSON_BOOL;
            p = scan_literal(&c, p);
            break;
        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            type = NS_JSON_NUMBER;
            p = scan_number(&c, p);
            break;
        default:
            jfail(&c, p, "expected value");
            goto out;
        }
        if (!p)
            goto out;
        if (want < n_fields || keep_rest) {
            if (type != NS_JSON_STRING)
                vlen = copy_minified(data + used, v, (size_t)(p - v));
            used += vlen;
        }
        if (keep_rest) {
            ns_json_member *m = &rest[(*n_rest)++];
            m->name_off = name_off;
            m->name_len = name_len;
            m->type = type;
            m->off = off;
            m->len = vlen;
            m->n_repaired = n_rep + k_rep;
        } else if (want < n_fields) {
            for (size_t i = want; i < n_fields; i++) {
                if (i == want || strcmp(fields[i].name, fields[want].name) == 0) {
                    fields[i].type = type;
                    fields[i].off = off;
                    fields[i].len = vlen;
                    fields[i].n_repaired = n_rep;
                }
            }
        }

        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}') {
            p++;
            break;
        }
        jfail(&c, p, "expected ',' or '}' after object member");
        goto out;
    }
done:
    p = skip_ws(p, end);
    if (p < end) {
        jfail(&c, p, "unexpected characters after the object");
        goto out;
    }
    rc = NS_OK;
out:
    /* Zero the padding after the committed data, and whatever the 16-byte
     * stores or an abandoned member name left beyond it. */
    scratch->len = used;
    if (c.hw < data + used + NS_BUF_PAD)
        c.hw = data + used + NS_BUF_PAD;
    memset(data + used, 0, (size_t)(c.hw - (data + used)));
    if (rc != NS_OK) {
        for (size_t i = 0; i < n_fields; i++) {
            fields[i].type = NS_JSON_ABSENT;
            fields[i].off = fields[i].len = 0;
            fields[i].n_repaired = 0;
        }
    }
    return rc;
}

ns_rc ns_json_put_string(ns_buf *out, const char *s, size_t len)
{
    static const char hexd[] = "0123456789abcdef";
    if (len > (SIZE_MAX - JSON_SLACK) / 8)
        return NS_E_NOMEM;
    /* Worst case 6 output bytes per input byte (\u00XX, \ufffd). */
    ns_rc rc = ns_buf_reserve(out, 6 * len + 2 + 16);
    if (rc != NS_OK)
        return rc;
    const uint8_t *p = (const uint8_t *)s, *end = p + len;
    uint8_t *o = out->data + out->len;
    *o++ = '"';
    for (;;) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
        const __m128i c20 = _mm_set1_epi8(0x20);
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            _mm_storeu_si128((__m128i *)(void *)o, v);
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                     _mm_cmplt_epi8(v, c20));
            unsigned mask = (unsigned)_mm_movemask_epi8(m);
            if (mask) {
                unsigned k = (unsigned)__builtin_ctz(mask);
                p += k;
                o += k;
                goto special;
            }
            p += 16;
            o += 16;
        }
#endif
        while (p < end && !JSON_STOP_DEC(*p))
            *o++ = *p++;
        if (p >= end)
            break;
#if defined(__SSE2__)
    special:
#endif
        ;
        uint8_t ch = *p;
        if (ch >= 0x80) {
            size_t n = utf8_seq_len(p, end);
            if (n) {
                memcpy(o, p, n);
                o += n;
                p += n;
            } else {
                memcpy(o, "\\ufffd", 6);
                o += 6;
                p++;
            }
            continue;
        }
        *o++ = '\\';
        switch (ch) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = (uint8_t)hexd[ch >> 4];
            *o++ = (uint8_t)hexd[ch & 15];
            break;
        }
        p++;
    }
    *o++ = '"';
    /* The 16-byte stores may have run past the end: restore the padding. */
    memset(o, 0, 16);
    out->len = (size_t)(o - out->data);
    return NS_OK;
}
