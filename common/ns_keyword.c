/* ns_keyword: keyword field keys and the name list (see ns_keyword.h). */
#include "ns_keyword.h"

#include <string.h>

#include "ns_format.h"
#include "ns_utf8.h"

const char *ns_keyword_name_problem(const char *name, size_t len)
{
    static const char *const reserved[] = {"id", "title", "body", "date", "url"};
    if (len == 0)
        return "is empty";
    if (len > NS_MAX_FIELD_NAME)
        return "is longer than 255 bytes";
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (strlen(reserved[i]) == len && memcmp(reserved[i], name, len) == 0)
            return "is a main field (id, title, body, date, url), not a keyword field";
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)name[i];
        if (c < 0x20 || c == 0x7f || c == ' ' || c == ':')
            return "holds ':', a space or a control character";
    }
    size_t bad;
    if (!ns_utf8_valid((const uint8_t *)name, len, &bad))
        return "is not valid UTF-8";
    return NULL;
}

ns_rc ns_keyword_key(ns_buf *out, const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (vlen == 0 || nlen == 0 || nlen > NS_KW_KEY_MAX || ns_keyword_key_len(nlen, vlen) > NS_KW_KEY_MAX)
        return NS_E_ARG;
    if (ns_buf_reserve(out, ns_keyword_key_len(nlen, vlen)))
        return NS_E_NOMEM;
    ns_buf_putc(out, NS_KW_SEP);
    ns_buf_append(out, name, nlen);
    ns_buf_putc(out, NS_KW_SEP);
    ns_buf_append(out, value, vlen);
    return NS_OK;
}

bool ns_keyword_split(const char *key, size_t len, const char **name, size_t *nlen,
                      const char **value, size_t *vlen)
{
    if (!ns_keyword_is_key(key, len))
        return false;
    const char *sep = memchr(key + 1, NS_KW_SEP, len - 1);
    if (!sep || sep == key + 1 || sep + 1 == key + len)
        return false;
    *name = key + 1;
    *nlen = (size_t)(sep - key - 1);
    *value = sep + 1;
    *vlen = (size_t)(key + len - sep - 1);
    return true;
}

ns_rc ns_keyword_list_put(ns_buf *out, const char *name, size_t len)
{
    if (len == 0 || len > NS_MAX_FIELD_NAME)
        return NS_E_ARG;
    if (ns_buf_putc(out, (uint8_t)len) || ns_buf_append(out, name, len))
        return NS_E_NOMEM;
    return NS_OK;
}

int ns_keyword_list_next(const uint8_t **p, const uint8_t *end, const char **name, size_t *len)
{
    if (*p >= end)
        return -1;
    size_t n = **p;
    if (n == 0 || n > (size_t)(end - *p - 1))
        return -1;
    *name = (const char *)(*p + 1);
    *len = n;
    *p += 1 + n;
    return 1;
}
