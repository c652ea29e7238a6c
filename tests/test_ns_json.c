/* Tests for ns_json: the strict one-object JSON Lines reader and the string
 * escaper. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_buf.h"
#include "ns_json.h"
#include "tutil.h"

#define SEED 424242u

/* Runs ns_json_extract on an exact-size heap copy of line[0..len) (no NUL
 * after it), so that ASan catches any read past the end. */
static ns_rc extract_n(const char *line, size_t len, ns_json_field *f, size_t n, ns_buf *sc,
                       ns_err *err)
{
    char *copy = ns_malloc(len ? len : 1);
    cr_assert_not_null(copy);
    memcpy(copy, line, len);
    ns_err_clear(err);
    ns_rc rc = ns_json_extract(copy, len, f, n, sc, err);
    ns_free(copy);
    /* ns_buf promise: zeroed padding after the data. */
    if (sc->data) {
        for (size_t i = 0; i < NS_BUF_PAD; i++)
            cr_assert_eq(sc->data[sc->len + i], 0, "padding byte %zu not zero", i);
    }
    return rc;
}

static ns_rc extract(const char *line, ns_json_field *f, size_t n, ns_buf *sc, ns_err *err)
{
    return extract_n(line, strlen(line), f, n, sc, err);
}

/* Asserts that field f is a string (or raw value of the given type) equal to
 * want[0..want_len). */
static void assert_field(const ns_buf *sc, const ns_json_field *f, ns_json_type type,
                         const char *want, size_t want_len)
{
    cr_assert_eq(f->type, type, "field '%s': type %d, want %d", f->name, f->type, type);
    cr_assert_eq(f->len, want_len, "field '%s': len %zu, want %zu", f->name, f->len, want_len);
    cr_assert(want_len == 0 || memcmp(sc->data + f->off, want, want_len) == 0,
              "field '%s': got '%.*s', want '%.*s'", f->name, (int)f->len,
              (const char *)sc->data + f->off, (int)want_len, want);
}

static void assert_str(const ns_buf *sc, const ns_json_field *f, const char *want)
{
    assert_field(sc, f, NS_JSON_STRING, want, strlen(want));
}

/* Decodes the string literal `lit` (with quotes) as member "s" of an object;
 * asserts success and the decoded bytes. */
static void check_decode(const char *lit, const char *want, size_t want_len, unsigned n_rep)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_buf line;
    ns_buf_init(&line);
    cr_assert_eq(ns_buf_printf(&line, "{\"s\":%s}", lit), NS_OK);
    ns_json_field f[] = {{.name = "s"}};
    ns_rc rc = extract_n((const char *)line.data, line.len, f, 1, &sc, &err);
    cr_assert_eq(rc, NS_OK, "%s: %s", lit, err.msg);
    assert_field(&sc, &f[0], NS_JSON_STRING, want, want_len);
    cr_assert_eq(f[0].n_repaired, n_rep, "%s: n_repaired %u, want %u", lit, f[0].n_repaired,
                 n_rep);
    ns_buf_release(&line);
    ns_buf_release(&sc);
}

/* Asserts that `line` fails with NS_E_CORRUPT and exactly message `msg`. */
static void check_error(const char *line, const char *msg)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "a"}, {.name = "id"}};
    ns_rc rc = extract(line, f, 2, &sc, &err);
    cr_assert_eq(rc, NS_E_CORRUPT, "'%s' accepted", line);
    cr_assert_eq(err.rc, NS_E_CORRUPT);
    if (msg)
        cr_assert_str_eq(err.msg, msg, "'%s'", line);
    cr_assert_eq(f[0].type, NS_JSON_ABSENT);
    cr_assert_eq(f[1].type, NS_JSON_ABSENT);
    ns_buf_release(&sc);
}

Test(ns_json, extracts_members_of_every_type)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "id"},  {.name = "title"}, {.name = "n"},   {.name = "t"},
                         {.name = "fa"},  {.name = "z"},     {.name = "arr"}, {.name = "obj"},
                         {.name = "url"}, {.name = ""}};
    const char *line = "{\"id\": \"1\", \"title\": \"Hello, world\", \"n\": -12.5e3, \"t\": true,"
                       " \"fa\": false, \"z\": null, \"arr\": [1, \"x\", [ ]], \"skip\": \"q\","
                       " \"obj\": {\"a\": {\"b\": []}}, \"\": \"empty name\"}";
    cr_assert_eq(extract(line, f, 10, &sc, &err), NS_OK, "%s", err.msg);
    assert_str(&sc, &f[0], "1");
    assert_str(&sc, &f[1], "Hello, world");
    assert_field(&sc, &f[2], NS_JSON_NUMBER, "-12.5e3", 7);
    assert_field(&sc, &f[3], NS_JSON_BOOL, "true", 4);
    assert_field(&sc, &f[4], NS_JSON_BOOL, "false", 5);
    assert_field(&sc, &f[5], NS_JSON_NULL, "null", 4);
    /* white space outside strings removed, inside kept */
    assert_field(&sc, &f[6], NS_JSON_ARRAY, "[1,\"x\",[]]", 10);
    assert_field(&sc, &f[7], NS_JSON_OBJECT, "{\"a\":{\"b\":[]}}", 14);
    cr_assert_eq(f[8].type, NS_JSON_ABSENT);
    cr_assert_eq(f[8].len, 0);
    assert_str(&sc, &f[9], "empty name");
    ns_buf_release(&sc);
}

Test(ns_json, empty_object_and_missing_fields_are_absent)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "id", .type = NS_JSON_STRING, .len = 9, .n_repaired = 3}};
    cr_assert_eq(extract("{}", f, 1, &sc, &err), NS_OK);
    cr_assert_eq(f[0].type, NS_JSON_ABSENT);
    cr_assert_eq(f[0].n_repaired, 0);
    cr_assert_eq(extract(" { } ", f, 1, &sc, &err), NS_OK);
    cr_assert_eq(extract("{\"idx\":\"1\",\"i\":2,\"ID\":3}", f, 1, &sc, &err), NS_OK);
    cr_assert_eq(f[0].type, NS_JSON_ABSENT);
    cr_assert_eq(extract("{\"x\":1}", NULL, 0, &sc, &err), NS_OK); /* validate only */
    ns_buf_release(&sc);
}

Test(ns_json, every_escape)
{
    check_decode("\"\\\"\"", "\"", 1, 0);
    check_decode("\"\\\\\"", "\\", 1, 0);
    check_decode("\"\\/\"", "/", 1, 0);
    check_decode("\"\\b\"", "\b", 1, 0);
    check_decode("\"\\f\"", "\f", 1, 0);
    check_decode("\"\\n\"", "\n", 1, 0);
    check_decode("\"\\r\"", "\r", 1, 0);
    check_decode("\"\\t\"", "\t", 1, 0);
    check_decode("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"", "a\"b\\c/d\be\ff\ng\rh\ti", 17, 0);
    check_decode("\"\\u0041\"", "A", 1, 0);
    check_decode("\"\\u0000\"", "\0", 1, 0); /* a NUL byte: values are length-delimited */
    check_decode("\"\\u007f\"", "\x7f", 1, 0);
    check_decode("\"\\u0080\"", "\xc2\x80", 2, 0);
    check_decode("\"\\u00e9\\u00E9\"", "\xc3\xa9\xc3\xa9", 4, 0);
    check_decode("\"\\u07FF\"", "\xdf\xbf", 2, 0);
    check_decode("\"\\u0800\"", "\xe0\xa0\x80", 3, 0);
    check_decode("\"\\u20AC\"", "\xe2\x82\xac", 3, 0);
    check_decode("\"\\uFFFF\"", "\xef\xbf\xbf", 3, 0);
    check_decode("\"\\uabcd\"", "\xea\xaf\x8d", 3, 0);
    check_decode("\"\"", "", 0, 0);
}

Test(ns_json, surrogate_pairs)
{
    check_decode("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4, 0); /* U+1F600 */
    check_decode("\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80", 4, 0);
    check_decode("\"\\uD800\\uDC00\"", "\xf0\x90\x80\x80", 4, 0);    /* U+10000 */
    check_decode("\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4, 0);    /* U+10FFFF */
    check_decode("\"x\\ud83d\\ude00y\"", "x\xf0\x9f\x98\x80y", 6, 0);
}

Test(ns_json, lone_surrogates_are_repaired)
{
    check_decode("\"\\ud83d\"", "\xef\xbf\xbd", 3, 1);
    check_decode("\"\\ude00\"", "\xef\xbf\xbd", 3, 1);
    check_decode("\"\\ud83dx\"", "\xef\xbf\xbdx", 4, 1);
    check_decode("\"\\ud83d\\n\"", "\xef\xbf\xbd\n", 4, 1);
    check_decode("\"\\ud83d\\u0041\"", "\xef\xbf\xbd" "A", 4, 1);
    /* a high surrogate then a full pair */
    check_decode("\"\\ud83d\\ud83d\\ude00\"", "\xef\xbf\xbd\xf0\x9f\x98\x80", 7, 1);
    /* low then high: both lone */
    check_decode("\"\\ude00\\ud83d\"", "\xef\xbf\xbd\xef\xbf\xbd", 6, 2);
    /* a raw-encoded surrogate is invalid UTF-8: 3 bytes repaired */
    check_decode("\"\xed\xa0\xbd\"", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9, 3);
    /* after a lone high surrogate, a bad \u escape is still an error */
    check_error("{\"a\":\"\\ud83d\\uZZZZ\"}", "column 15: invalid hex digit in \\u escape");
}

Test(ns_json, invalid_utf8_is_repaired_and_counted)
{
#define FFFD "\xef\xbf\xbd"
    check_decode("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
                 9, 0);
    check_decode("\"\xc0\x80\"", FFFD FFFD, 6, 2);             /* overlong NUL */
    check_decode("\"\xc1\xbf\"", FFFD FFFD, 6, 2);             /* overlong */
    check_decode("\"\xe0\x80\xaf\"", FFFD FFFD FFFD, 9, 3);    /* overlong '/' */
    check_decode("\"\xf0\x80\x80\xaf\"", FFFD FFFD FFFD FFFD, 12, 4);
    check_decode("\"\xed\xbf\xbf\"", FFFD FFFD FFFD, 9, 3);    /* U+DFFF */
    check_decode("\"\xf4\x90\x80\x80\"", FFFD FFFD FFFD FFFD, 12, 4); /* > U+10FFFF */
    check_decode("\"\xf5\x80\"", FFFD FFFD, 6, 2);
    check_decode("\"\xff\"", FFFD, 3, 1);
    check_decode("\"\x80\"", FFFD, 3, 1);                       /* lone continuation */
    check_decode("\"\xe2\x82\"", FFFD FFFD, 6, 2);             /* truncated */
    check_decode("\"\xf0\x9f\x98\"", FFFD FFFD FFFD, 9, 3);    /* truncated */
    check_decode("\"a\xe2\x82z\"", "a" FFFD FFFD "z", 8, 2);
    /* the same inside long strings (the 16-byte scanning path) */
    check_decode("\"0123456789abcdefghij\xff\xc3\xa9klmnopqrstuvwxyz0123456789\"",
                 "0123456789abcdefghij" FFFD "\xc3\xa9klmnopqrstuvwxyz0123456789", 51, 1);
    check_decode("\"0123456789abcde\xe2\x82\xac\"", "0123456789abcde\xe2\x82\xac", 18, 0);
    check_decode("\"0123456789abcde\xf0\x9f\x98\x80\"", "0123456789abcde\xf0\x9f\x98\x80", 19, 0);
    /* at the very end of the line: a multi-byte lead with nothing after */
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "a"}};
    cr_assert_eq(extract("{\"a\":\"\xe2", f, 1, &sc, &err), NS_E_CORRUPT);
    /* invalid UTF-8 in an unwanted member or a nested value is not an error */
    cr_assert_eq(extract("{\"b\":\"\xff\xfe\",\"c\":[\"\xc0\"],\"a\":\"ok\"}", f, 1, &sc, &err),
                 NS_OK);
    assert_str(&sc, &f[0], "ok");
    /* nor in a member name */
    cr_assert_eq(extract("{\"\xff\":1,\"a\":\"ok\"}", f, 1, &sc, &err), NS_OK);
    ns_buf_release(&sc);
#undef FFFD
}

Test(ns_json, invalid_escapes_are_errors)
{
    check_error("{\"a\":\"\\x\"}", "column 7: invalid escape in string");
    check_error("{\"a\":\"\\'\"}", "column 7: invalid escape in string");
    check_error("{\"a\":\"\\U0041\"}", "column 7: invalid escape in string");
    check_error("{\"a\":\"\\a\"}", "column 7: invalid escape in string");
    check_error("{\"a\":\"\\0\"}", "column 7: invalid escape in string");
    check_error("{\"a\":\"\\u12G4\"}", "column 11: invalid hex digit in \\u escape");
    check_error("{\"a\":\"\\u123\"}", "column 12: invalid hex digit in \\u escape");
    check_error("{\"a\":\"\\u\"}", "column 9: invalid hex digit in \\u escape");
    check_error("{\"a\":\"\\u12", "column 11: unterminated \\u escape (unexpected end of input)");
    check_error("{\"a\":\"\\", "column 8: unterminated string (unexpected end of input)");
    /* the same in unwanted members and nested values */
    check_error("{\"b\":\"\\x\"}", "column 7: invalid escape in string");
    check_error("{\"b\":[\"\\u12G4\"]}", "column 12: invalid hex digit in \\u escape");
    check_error("{\"b\\q\":1}", "column 4: invalid escape in string");
}

Test(ns_json, raw_control_characters_are_errors)
{
    check_error("{\"a\":\"x\ty\"}", "column 8: control character in string (must be escaped)");
    check_error("{\"a\":\"x\ny\"}", "column 8: control character in string (must be escaped)");
    check_error("{\"b\":\"\x1f\"}", "column 7: control character in string (must be escaped)");
    check_error("{\"b\":[\"0123456789abcdef\x01\"]}",
                "column 24: control character in string (must be escaped)");
    check_error("{\"a\":\"0123456789abcdefghij\x02\"}",
                "column 27: control character in string (must be escaped)");
    static const char nul_line[] = "{\"a\":\"x\0\"}";
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "a"}};
    cr_assert_eq(extract_n(nul_line, sizeof nul_line - 1, f, 1, &sc, &err), NS_E_CORRUPT);
    cr_assert_str_eq(err.msg, "column 8: control character in string (must be escaped)");
    check_decode("\"\x7f\"", "\x7f", 1, 0); /* DEL is not a control character in JSON */
    ns_buf_release(&sc);
}

Test(ns_json, member_names_with_escapes_match_decoded)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "id"}, {.name = "caf\xc3\xa9"}, {.name = "i"}};
    cr_assert_eq(extract("{\"\\u0069d\":\"x\",\"caf\\u00e9\":\"y\",\"i\\u0000\":\"z\"}", f, 3, &sc,
                         &err),
                 NS_OK, "%s", err.msg);
    assert_str(&sc, &f[0], "x");
    assert_str(&sc, &f[1], "y");
    cr_assert_eq(f[2].type, NS_JSON_ABSENT); /* "i\0" is not "i" */
    ns_buf_release(&sc);
}

Test(ns_json, long_strings_with_escapes_at_every_offset)
{
    /* An escape at every position 0..40 of a 48-byte body, so that it falls
     * at every place relative to the 16-byte scan. */
    for (int pos = 0; pos <= 40; pos++) {
        char lit[128], want[64];
        int n = 0, m = 0;
        lit[n++] = '"';
        for (int i = 0; i < 48; i++) {
            if (i == pos) {
                memcpy(lit + n, "\\u00e9", 6);
                n += 6;
                want[m++] = '\xc3';
                want[m++] = '\xa9';
            } else {
                lit[n++] = want[m++] = (char)('a' + i % 26);
            }
        }
        lit[n++] = '"';
        lit[n] = '\0';
        check_decode(lit, want, (size_t)m, 0);
    }
}

/* Random strings of escapes, raw UTF-8, invalid bytes and ASCII against an
 * independently built expectation. */
Test(ns_json, random_strings_decode_as_modelled)
{
    printf("ns_json random seed %u\n", SEED);
    uint32_t st = SEED;
    ns_buf lit, want;
    ns_buf_init(&lit);
    ns_buf_init(&want);
    for (int rep = 0; rep < 500; rep++) {
        ns_buf_reset(&lit);
        ns_buf_reset(&want);
        unsigned n_rep = 0;
        ns_buf_putc(&lit, '"');
        int n_tok = (int)(tu_rng_next(&st) % 60);
        for (int t = 0; t < n_tok; t++) {
            switch (tu_rng_next(&st) % 8) {
            case 0: case 1: case 2: {
                char ch = (char)(' ' + 1 + tu_rng_next(&st) % 94);
                if (ch == '"' || ch == '\\')
                    ch = 'q';
                ns_buf_putc(&lit, (uint8_t)ch);
                ns_buf_putc(&want, (uint8_t)ch);
                break;
            }
            case 3:
                ns_buf_puts(&lit, "\\n");
                ns_buf_putc(&want, '\n');
                break;
            case 4:
                ns_buf_puts(&lit, "\\u00e9");
                ns_buf_puts(&want, "\xc3\xa9");
                break;
            case 5:
                ns_buf_puts(&lit, "\\ud83d\\ude00");
                ns_buf_puts(&want, "\xf0\x9f\x98\x80");
                break;
            case 6:
                ns_buf_puts(&lit, "\xe2\x82\xac");
                ns_buf_puts(&want, "\xe2\x82\xac");
                break;
            default:
                ns_buf_putc(&lit, 0xff);
                ns_buf_puts(&want, "\xef\xbf\xbd");
                n_rep++;
                break;
            }
        }
        ns_buf_putc(&lit, '"');
        check_decode(ns_buf_cstr(&lit), (const char *)want.data, want.len, n_rep);
    }
    ns_buf_release(&lit);
    ns_buf_release(&want);
}

Test(ns_json, nested_values_are_validated_and_skipped)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "id"}, {.name = "b"}};
    const char *line = "{\"a\": [1, {\"b\": [[], {}, \"x\\\"]}\"]}, -0.5e-3, true, null],"
                       " \"b\": {\"id\": \"inner\"}, \"id\": \"7\"}";
    cr_assert_eq(extract(line, f, 2, &sc, &err), NS_OK, "%s", err.msg);
    assert_str(&sc, &f[0], "7"); /* the inner "id" is not a top-level member */
    assert_field(&sc, &f[1], NS_JSON_OBJECT, "{\"id\":\"inner\"}", 14);
    check_error("{\"a\": [1, 2,]}", "column 13: expected value");
    check_error("{\"a\": [1 2]}", "column 10: expected ',' or ']' after array element");
    check_error("{\"a\": {\"b\" 1}}", "column 12: expected ':' after member name");
    check_error("{\"a\": {\"b\": 1,}}", "column 15: expected member name (a string)");
    check_error("{\"a\": {\"b\": 1]}", "column 14: expected ',' or '}' after object member");
    check_error("{\"a\": [1}", "column 9: expected ',' or ']' after array element");
    check_error("{\"a\": {1: 2}}", "column 8: expected member name (a string)");
    check_error("{\"a\": [", "column 8: expected value (unexpected end of input)");
    check_error("{\"a\": [[[[", "column 11: expected value (unexpected end of input)");
    ns_buf_release(&sc);
}

/* Top-level object = depth 1; NS_JSON_MAX_DEPTH levels are allowed. */
static void nest_line(ns_buf *b, int n_arrays)
{
    ns_buf_reset(b);
    ns_buf_puts(b, "{\"a\":");
    for (int i = 0; i < n_arrays; i++)
        ns_buf_putc(b, '[');
    for (int i = 0; i < n_arrays; i++)
        ns_buf_putc(b, ']');
    ns_buf_puts(b, ",\"id\":\"x\"}");
}

Test(ns_json, nesting_limit)
{
    ns_buf line, sc;
    ns_buf_init(&line);
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "id"}, {.name = "a"}};
    nest_line(&line, NS_JSON_MAX_DEPTH - 1);
    cr_assert_eq(extract_n((const char *)line.data, line.len, f, 2, &sc, &err), NS_OK, "%s",
                 err.msg);
    assert_str(&sc, &f[0], "x");
    cr_assert_eq(f[1].type, NS_JSON_ARRAY);
    cr_assert_eq(f[1].len, 2 * (NS_JSON_MAX_DEPTH - 1));

    nest_line(&line, NS_JSON_MAX_DEPTH);
    cr_assert_eq(extract_n((const char *)line.data, line.len, f, 2, &sc, &err), NS_E_CORRUPT);
    cr_assert_str_eq(err.msg, "column 69: nesting deeper than 64 levels");

    /* objects count too, and very deep input fails fast without recursion */
    ns_buf_reset(&line);
    ns_buf_puts(&line, "{\"a\":");
    for (int i = 0; i < 200000; i++)
        ns_buf_puts(&line, i % 2 ? "[" : "{\"k\":");
    cr_assert_eq(extract_n((const char *)line.data, line.len, f, 2, &sc, &err), NS_E_CORRUPT);
    cr_assert(strstr(err.msg, "nesting deeper") != NULL, "%s", err.msg);
    ns_buf_release(&line);
    ns_buf_release(&sc);
}

Test(ns_json, numbers_follow_the_rfc_grammar)
{
    static const char *valid[] = {"0",      "-0",    "1",         "-1",       "10",
                                  "1.5",    "-0.0",  "0.25",      "1e5",      "1E5",
                                  "1e+5",   "1e-5",  "0e0",       "-0.1E-10", "123.456e789",
                                  "123456789012345678901234567890", "9007199254740993"};
    static const char *invalid[] = {"01",  "-01", "00", "+1",  ".5",  "1.",       "1.e5",
                                    "1e",  "1e+", "1E-", "0x10", "NaN", "Infinity", "-Infinity",
                                    "-",   "--1", "1.2.3", "-a", "1e5.0", "0.", "1ee5", "- 1",
                                    "1_000", "1,5x"};
    ns_buf sc, line;
    ns_buf_init(&sc);
    ns_buf_init(&line);
    ns_err err;
    ns_json_field f[] = {{.name = "a"}};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        ns_buf_reset(&line);
        ns_buf_printf(&line, "{\"a\":%s}", valid[i]);
        cr_assert_eq(extract(ns_buf_cstr(&line), f, 1, &sc, &err), NS_OK, "%s: %s", valid[i],
                     err.msg);
        assert_field(&sc, &f[0], NS_JSON_NUMBER, valid[i], strlen(valid[i]));
        ns_buf_reset(&line);
        ns_buf_printf(&line, "{\"b\":[%s, %s],\"c\":{\"d\":%s}}", valid[i], valid[i], valid[i]);
        cr_assert_eq(extract(ns_buf_cstr(&line), f, 1, &sc, &err), NS_OK, "%s", valid[i]);
    }
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        ns_buf_reset(&line);
        ns_buf_printf(&line, "{\"a\":%s}", invalid[i]);
        cr_assert_eq(extract(ns_buf_cstr(&line), f, 1, &sc, &err), NS_E_CORRUPT, "%s accepted",
                     invalid[i]);
        cr_assert(strncmp(err.msg, "column ", 7) == 0, "%s", err.msg);
        ns_buf_reset(&line);
        ns_buf_printf(&line, "{\"b\":[%s]}", invalid[i]);
        cr_assert_eq(extract(ns_buf_cstr(&line), f, 1, &sc, &err), NS_E_CORRUPT, "[%s] accepted",
                     invalid[i]);
    }
    check_error("{\"a\":01}", "column 7: leading zero in number");
    check_error("{\"a\":-01}", "column 8: leading zero in number");
    check_error("{\"a\":1.}", "column 8: expected digit after '.' in number");
    check_error("{\"a\":1e+}", "column 9: expected digit in exponent");
    check_error("{\"a\":-x}", "column 7: expected digit in number");
    check_error("{\"a\":+1}", "column 6: expected value");
    check_error("{\"a\":0x10}", "column 7: expected ',' or '}' after object member");
    ns_buf_release(&sc);
    ns_buf_release(&line);
}

Test(ns_json, literals)
{
    check_error("{\"a\":tru}", "column 9: invalid literal (expected true, false or null)");
    check_error("{\"a\":True}", "column 6: expected value");
    check_error("{\"a\":nul", "column 9: invalid literal (expected true, false or null)"
                              " (unexpected end of input)");
    check_error("{\"a\":falsey}", "column 11: expected ',' or '}' after object member");
    check_error("{\"a\":[nulll]}", "column 11: expected ',' or ']' after array element");
}

Test(ns_json, duplicate_members_last_wins)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "id"}, {.name = "t"}, {.name = "id"}};
    cr_assert_eq(extract("{\"id\":\"1\",\"t\":\"\xff\",\"id\":\"2\",\"t\":\"ok\"}", f, 3, &sc, &err),
                 NS_OK);
    assert_str(&sc, &f[0], "2");
    assert_str(&sc, &f[1], "ok");
    cr_assert_eq(f[1].n_repaired, 0); /* reset with the value it came with */
    assert_str(&sc, &f[2], "2");      /* a name asked for twice: both filled */
    cr_assert_eq(extract("{\"id\":\"1\",\"id\":5}", f, 3, &sc, &err), NS_OK);
    assert_field(&sc, &f[0], NS_JSON_NUMBER, "5", 1);
    cr_assert_eq(extract("{\"id\":[1],\"id\":\"z\"}", f, 3, &sc, &err), NS_OK);
    assert_str(&sc, &f[0], "z");
    ns_buf_release(&sc);
}

Test(ns_json, whitespace)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "id"}, {.name = "a"}};
    cr_assert_eq(extract(" \t\r\n{ \"id\" \t:\n \"1\" \r\n, \"a\" : [ 1 , { } ] } \n", f, 2, &sc,
                         &err),
                 NS_OK, "%s", err.msg);
    assert_str(&sc, &f[0], "1");
    assert_field(&sc, &f[1], NS_JSON_ARRAY, "[1,{}]", 6);
    cr_assert_eq(extract("{\"id\":\"1\"}\n", f, 2, &sc, &err), NS_OK);
    cr_assert_eq(extract("{\"id\":\"1\"}\r\n", f, 2, &sc, &err), NS_OK);
    /* only space, tab, LF and CR are JSON whitespace */
    check_error("{\v\"a\":1}", "column 2: expected member name (a string)");
    check_error("{\"a\":\f1}", "column 6: expected value");
    check_error("\xef\xbb\xbf{}", "column 1: expected '{'"); /* no BOM */
    check_error("{\"a\":1}\xc2\xa0", "column 8: unexpected characters after the object");
    ns_buf_release(&sc);
}

Test(ns_json, top_level_must_be_one_object)
{
    check_error("", "column 1: expected '{' (unexpected end of input)");
    check_error("   ", "column 4: expected '{' (unexpected end of input)");
    check_error("\n", "column 2: expected '{' (unexpected end of input)");
    check_error("[]", "column 1: expected '{'");
    check_error("\"x\"", "column 1: expected '{'");
    check_error("1", "column 1: expected '{'");
    check_error("null", "column 1: expected '{'");
    check_error("{\"a\":1} x", "column 9: unexpected characters after the object");
    check_error("{\"a\":1}{}", "column 8: unexpected characters after the object");
    check_error("{\"a\":1},", "column 8: unexpected characters after the object");
    check_error("{}}", "column 3: unexpected characters after the object");
    check_error("{", "column 2: expected member name (a string) (unexpected end of input)");
    check_error("{a:1}", "column 2: expected member name (a string)");
    check_error("{'a':1}", "column 2: expected member name (a string)");
    check_error("{\"a\" 1}", "column 6: expected ':' after member name");
    check_error("{\"a\":}", "column 6: expected value");
    check_error("{\"a\":1,}", "column 8: expected member name (a string)");
    check_error("{\"a\":1 \"b\":2}", "column 8: expected ',' or '}' after object member");
    check_error("{\"a\":1", "column 7: expected ',' or '}' after object member"
                            " (unexpected end of input)");
    check_error("{\"a\":\"xyz", "column 10: unterminated string (unexpected end of input)");
    check_error("{\"a\":\"0123456789abcdefghijklmnop",
                "column 33: unterminated string (unexpected end of input)");
    check_error("{\"a", "column 4: unterminated string (unexpected end of input)");
}

Test(ns_json, every_truncation_of_a_valid_line_is_an_error)
{
    const char *line = "{\"id\": \"42\", \"title\": \"Caf\\u00e9 \\ud83d\\ude00 \xc3\xa9t\xc3\xa9\","
                       " \"n\": -1.5e+10, \"tags\": [\"a\", {\"b\": [true, false, null]}],"
                       " \"body\": \"line one\\nline \\\"two\\\" \\\\ \\/ \\t end of the body\"}";
    size_t len = strlen(line);
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "id"}, {.name = "title"}, {.name = "n"}, {.name = "tags"},
                         {.name = "body"}};
    cr_assert_eq(extract_n(line, len, f, 5, &sc, &err), NS_OK, "%s", err.msg);
    assert_str(&sc, &f[1], "Caf\xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9t\xc3\xa9");
    assert_str(&sc, &f[4], "line one\nline \"two\" \\ / \t end of the body");
    for (size_t cut = 0; cut < len; cut++) {
        ns_rc rc = extract_n(line, cut, f, 5, &sc, &err);
        cr_assert_eq(rc, NS_E_CORRUPT, "prefix of %zu bytes accepted", cut);
        cr_assert(strstr(err.msg, "unexpected end of input") != NULL, "cut %zu: %s", cut,
                  err.msg);
        for (size_t i = 0; i < 5; i++)
            cr_assert_eq(f[i].type, NS_JSON_ABSENT);
    }
    ns_buf_release(&sc);
}

/* Random single-byte corruptions of a valid line: any result but a crash. */
Test(ns_json, random_byte_flips_never_crash)
{
    const char *line = "{\"id\": \"42\", \"title\": \"Caf\\u00e9 \\ud83d\\ude00\", \"n\": -1.5e+10,"
                       " \"tags\": [\"a\", {\"b\": [true, false, null]}], \"body\": \"x\\ny\"}";
    static const uint8_t interesting[] = {'"', '\\', '{', '}', '[', ']', ':', ',', 'u', '0',
                                          'e', '-', ' ', 0x00, 0x1f, 0x80, 0xff, 0xed, 0xf0};
    size_t len = strlen(line);
    char *buf = ns_malloc(len);
    cr_assert_not_null(buf);
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "id"}, {.name = "title"}, {.name = "tags"}, {.name = "body"}};
    uint32_t st = SEED;
    for (int rep = 0; rep < 20000; rep++) {
        memcpy(buf, line, len);
        int n_flip = 1 + (int)(tu_rng_next(&st) % 3);
        for (int k = 0; k < n_flip; k++) {
            uint32_t r = tu_rng_next(&st);
            buf[r % len] = (char)(r & 0x100000 ? interesting[(r >> 8) % sizeof interesting]
                                               : (uint8_t)(r >> 24));
        }
        ns_rc rc = extract_n(buf, len, f, 4, &sc, &err);
        cr_assert(rc == NS_OK || rc == NS_E_CORRUPT);
        if (rc == NS_OK) {
            for (size_t i = 0; i < 4; i++)
                cr_assert(f[i].type == NS_JSON_ABSENT || f[i].off + f[i].len <= sc.len);
        } else {
            cr_assert(strncmp(err.msg, "column ", 7) == 0, "%s", err.msg);
        }
    }
    ns_free(buf);
    ns_buf_release(&sc);
}

Test(ns_json, out_of_memory_is_reported)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "a"}};
    ns_alloc_fail_after(0);
    ns_rc rc = ns_json_extract("{\"a\":1}", 7, f, 1, &sc, &err);
    ns_alloc_fail_after(-1);
    cr_assert_eq(rc, NS_E_NOMEM);
    cr_assert_eq(f[0].type, NS_JSON_ABSENT);
    ns_buf out;
    ns_buf_init(&out);
    ns_alloc_fail_after(0);
    rc = ns_json_put_string(&out, "x", 1);
    ns_alloc_fail_after(-1);
    cr_assert_eq(rc, NS_E_NOMEM);
    ns_buf_release(&sc);
    ns_buf_release(&out);
}

Test(ns_json, put_string_escapes)
{
    ns_buf out;
    ns_buf_init(&out);
    cr_assert_eq(ns_json_put_string(&out, "a\"b\\c\n\t\r\b\f\x01\x1f/\x7f", 14), NS_OK);
    cr_assert_str_eq(ns_buf_cstr(&out), "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f/\x7f\"");
    ns_buf_reset(&out);
    cr_assert_eq(ns_json_put_string(&out, "", 0), NS_OK);
    cr_assert_str_eq(ns_buf_cstr(&out), "\"\"");
    ns_buf_reset(&out);
    cr_assert_eq(ns_json_put_string(&out, "x\0y", 3), NS_OK);
    cr_assert_str_eq(ns_buf_cstr(&out), "\"x\\u0000y\"");
    ns_buf_reset(&out);
    cr_assert_eq(ns_json_put_string(&out, "\xc3\xa9\xff\xe2\x82", 5), NS_OK);
    cr_assert_str_eq(ns_buf_cstr(&out), "\"\xc3\xa9\\ufffd\\ufffd\\ufffd\"");
    ns_buf_reset(&out);
    ns_buf_puts(&out, "pre:");
    cr_assert_eq(ns_json_put_string(&out, "0123456789abcdef0123456789\"", 27), NS_OK);
    cr_assert_str_eq(ns_buf_cstr(&out), "pre:\"0123456789abcdef0123456789\\\"\"");
    ns_buf_release(&out);
}

/* put_string -> extract gives back the input (invalid bytes as U+FFFD). */
Test(ns_json, put_string_round_trips_through_extract)
{
    printf("ns_json round-trip seed %u\n", SEED);
    uint32_t st = SEED;
    ns_buf line, sc, want;
    ns_buf_init(&line);
    ns_buf_init(&sc);
    ns_buf_init(&want);
    ns_err err;
    ns_json_field f[] = {{.name = "s"}};
    uint8_t src[200];
    for (int rep = 0; rep < 2000; rep++) {
        size_t n = tu_rng_next(&st) % sizeof src;
        for (size_t i = 0; i < n; i++) {
            uint32_t r = tu_rng_next(&st);
            src[i] = (uint8_t)(rep < 1000 ? (r % 128) : r >> 24); /* ASCII, then any byte */
        }
        if (rep % 10 == 0 && n >= 4)
            memcpy(src + n / 2 - 2, "\xf0\x9f\x98\x80", 4);
        ns_buf_reset(&line);
        ns_buf_puts(&line, "{\"s\":");
        cr_assert_eq(ns_json_put_string(&line, (const char *)src, n), NS_OK);
        ns_buf_putc(&line, '}');
        cr_assert_eq(extract_n((const char *)line.data, line.len, f, 1, &sc, &err), NS_OK,
                     "rep %d: %s", rep, err.msg);
        /* expectation: each byte not in a valid sequence becomes U+FFFD */
        ns_buf_reset(&want);
        for (size_t i = 0; i < n;) {
            size_t k = 0;
            uint8_t c0 = src[i];
            if (c0 < 0x80)
                k = 1;
            else if (c0 >= 0xC2 && c0 < 0xE0)
                k = (i + 1 < n && (src[i + 1] & 0xC0) == 0x80) ? 2 : 0;
            else if (c0 >= 0xE0 && c0 < 0xF0) {
                uint8_t lo = c0 == 0xE0 ? 0xA0 : 0x80, hi = c0 == 0xED ? 0x9F : 0xBF;
                k = (i + 2 < n && src[i + 1] >= lo && src[i + 1] <= hi &&
                     (src[i + 2] & 0xC0) == 0x80)
                        ? 3
                        : 0;
            } else if (c0 >= 0xF0 && c0 < 0xF5) {
                uint8_t lo = c0 == 0xF0 ? 0x90 : 0x80, hi = c0 == 0xF4 ? 0x8F : 0xBF;
                k = (i + 3 < n && src[i + 1] >= lo && src[i + 1] <= hi &&
                     (src[i + 2] & 0xC0) == 0x80 && (src[i + 3] & 0xC0) == 0x80)
                        ? 4
                        : 0;
            }
            if (k) {
                ns_buf_append(&want, src + i, k);
                i += k;
            } else {
                ns_buf_puts(&want, "\xef\xbf\xbd");
                i++;
            }
        }
        assert_field(&sc, &f[0], NS_JSON_STRING, (const char *)want.data, want.len);
        cr_assert_eq(f[0].n_repaired, 0); /* the writer already escaped them */
        /* the writer's output has no raw control characters */
        for (size_t i = 0; i < line.len; i++)
            cr_assert(line.data[i] >= 0x20);
    }
    ns_buf_release(&line);
    ns_buf_release(&sc);
    ns_buf_release(&want);
}

Test(ns_json, scratch_is_reset_and_offsets_index_it)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "a"}, {.name = "b"}};
    cr_assert_eq(extract("{\"a\":\"first\",\"b\":[1,2]}", f, 2, &sc, &err), NS_OK);
    cr_assert_eq(sc.len, 5 + 5);
    cr_assert_eq(f[0].off, 0);
    cr_assert_eq(f[1].off, 5);
    cr_assert_eq(extract("{\"b\":\"x\"}", f, 2, &sc, &err), NS_OK);
    cr_assert_eq(sc.len, 1);
    assert_str(&sc, &f[1], "x");
    cr_assert_eq(f[0].type, NS_JSON_ABSENT);
    cr_assert_eq(extract("{\"b\":\"0123456789012345678901234567890123456789\" x", f, 2, &sc,
                         &err),
                 NS_E_CORRUPT);
    ns_buf_release(&sc);
}

/* Members no field asks for come back in order, names and strings decoded,
 * other values as JSON text without white space outside strings; more than
 * max_rest are counted, not kept. */
Test(ns_json, rest_returns_every_other_member_in_order)
{
    ns_buf sc;
    ns_buf_init(&sc);
    ns_err err;
    ns_json_field f[] = {{.name = "id"}};
    ns_json_member rest[4];
    size_t n = 99;
    const char *line = "{\"t\\u00e9\": [ \"a b\" , 1 ], \"id\": \"x\", \"s\": \"q\\\"\\n\", \"n\": -1.5e2, "
                       "\"o\": { \"k\" : null }, \"b\": true}";
    cr_assert_eq(ns_json_extract_rest(line, strlen(line), f, 1, rest, 4, &n, &sc, &err), NS_OK,
                 "%s", err.msg);
    assert_str(&sc, &f[0], "x");
    cr_assert_eq(n, 5, "every other member is counted: %zu", n);
    static const struct {
        const char *name, *value;
        ns_json_type type;
    } want[4] = {{"t\xc3\xa9", "[\"a b\",1]", NS_JSON_ARRAY},
                 {"s", "q\"\n", NS_JSON_STRING},
                 {"n", "-1.5e2", NS_JSON_NUMBER},
                 {"o", "{\"k\":null}", NS_JSON_OBJECT}};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(rest[i].name_len, strlen(want[i].name), "member %d", i);
        cr_assert(!memcmp(sc.data + rest[i].name_off, want[i].name, rest[i].name_len), "member %d", i);
        cr_assert_eq(rest[i].type, want[i].type, "member %d", i);
        cr_assert_eq(rest[i].len, strlen(want[i].value), "member %d: '%.*s'", i, (int)rest[i].len,
                     (const char *)sc.data + rest[i].off);
        cr_assert(!memcmp(sc.data + rest[i].off, want[i].value, rest[i].len), "member %d", i);
    }
    /* invalid UTF-8 in a kept name or string value is repaired and counted */
    const char *bad = "{\"k\xff\":\"v\xfe\"}";
    cr_assert_eq(ns_json_extract_rest(bad, strlen(bad), NULL, 0, rest, 4, &n, &sc, &err), NS_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(rest[0].n_repaired, 2);
    ns_buf_release(&sc);
}
