/* fuzz_json: the JSON reader (common/ns_json.c) on any bytes.
 *
 * Each input is parsed as one JSON Lines object with the members the
 * indexer asks for; then it goes through the writer and back as a string.
 * Properties (abort when broken):
 *  - ns_json_extract returns NS_OK, NS_E_CORRUPT (with a message) or
 *    NS_E_NOMEM, and every field found lies inside the scratch buffer;
 *  - a decoded string is valid UTF-8 (NUL allowed: \u0000 is legal JSON);
 *  - ns_json_put_string(input) parses back: to the input itself when the
 *    input is valid UTF-8, else to valid UTF-8. */
#include <string.h>

#include "fuzz_util.h"
#include "ns_buf.h"
#include "ns_json.h"
#include "ns_utf8.h"

/* True when s[0..len) is valid UTF-8 where NUL bytes count as valid. */
static int utf8_ok_with_nul(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = ns_utf8_decode(s + i, len - i, &cp);
        if (cp == NS_UTF8_REPLACEMENT && (n != 3 || memcmp(s + i, "\xEF\xBF\xBD", 3) != 0))
            return 0;
        i += n;
    }
    return 1;
}

static void check_fields(const ns_json_field *f, size_t n, const ns_buf *scratch)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i].type == NS_JSON_ABSENT)
            continue;
        if (f[i].off > scratch->len || f[i].len > scratch->len - f[i].off)
            fuzz_fail("field '%s' [%zu, +%zu) outside scratch of %zu bytes", f[i].name, f[i].off,
                      f[i].len, scratch->len);
        if (f[i].type == NS_JSON_STRING &&
            !utf8_ok_with_nul(scratch->data + f[i].off, f[i].len))
            fuzz_fail("field '%s': decoded string is not valid UTF-8", f[i].name);
        if (f[i].type != NS_JSON_STRING && f[i].len == 0)
            fuzz_fail("field '%s': empty raw value", f[i].name);
    }
}

static void round_trip(const uint8_t *data, size_t size, ns_buf *out, ns_buf *scratch)
{
    ns_buf_reset(out);
    if (ns_buf_puts(out, "{\"s\":") || ns_json_put_string(out, (const char *)data, size) ||
        ns_buf_puts(out, "}"))
        return; /* out of memory: nothing to check */
    ns_json_field f = {.name = "s"};
    ns_err err;
    ns_rc rc = ns_json_extract((const char *)out->data, out->len, &f, 1, scratch, &err);
    if (rc == NS_E_NOMEM)
        return;
    if (rc)
        fuzz_fail("the writer's string does not parse back: %s", err.msg);
    if (f.type != NS_JSON_STRING)
        fuzz_fail("the writer's string parses back as type %d", (int)f.type);
    check_fields(&f, 1, scratch);
    const uint8_t *got = scratch->data + f.off;
    if (utf8_ok_with_nul(data, size)) {
        if (f.len != size || (size && memcmp(got, data, size) != 0) || f.n_repaired)
            fuzz_fail("valid UTF-8 of %zu bytes came back as %zu bytes (%u repaired)", size,
                      f.len, f.n_repaired);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ns_json_field f[] = {
        {.name = "id"},   {.name = "title"}, {.name = "body"}, {.name = "text"},
        {.name = "date"}, {.name = "url"},   {.name = ""},     {.name = "a"},
    };
    size_t n = sizeof f / sizeof f[0];
    ns_buf scratch, out;
    ns_buf_init(&scratch);
    ns_buf_init(&out);
    ns_err err;
    ns_err_clear(&err);
    ns_rc rc = ns_json_extract((const char *)data, size, f, n, &scratch, &err);
    if (rc == NS_OK)
        check_fields(f, n, &scratch);
    else if (rc == NS_E_CORRUPT) {
        if (!err.msg[0])
            fuzz_fail("NS_E_CORRUPT without a message");
    } else if (rc != NS_E_NOMEM)
        fuzz_fail("ns_json_extract returned %d", (int)rc);
    round_trip(data, size, &out, &scratch);
    ns_buf_release(&scratch);
    ns_buf_release(&out);
    return 0;
}
