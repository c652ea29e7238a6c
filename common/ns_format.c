/* ns_format: file framing shared by the index writer and reader: header,
 * footer and XXH3 checksum (see ns_format.h and FORMAT.md). */
#include "ns_format.h"

#include <string.h>
#include <xxhash.h>

#include "ns_endian.h"

static const char *const file_names[NS_FILE_KIND_MAX] = {
    "meta", "terms", "postings", "positions", "doclens", "docstore", "docs", "shard", "global",
};

const char *ns_file_name(ns_file_kind kind)
{
    if (kind < 1 || kind > NS_FILE_KIND_MAX)
        return "?";
    return file_names[kind - 1];
}

/* The codec each file kind carries (FORMAT.md "The directory"). */
static const uint32_t file_codecs[NS_FILE_KIND_MAX] = {
    NS_CODEC_NONE, NS_CODEC_NONE, NS_CODEC_BP128_VBYTE, NS_CODEC_BP128_VBYTE,
    NS_CODEC_NONE, NS_CODEC_ZSTD, NS_CODEC_NONE, NS_CODEC_NONE, NS_CODEC_NONE,
};

uint32_t ns_file_codec(ns_file_kind kind)
{
    if (kind < 1 || kind > NS_FILE_KIND_MAX)
        return UINT32_MAX;
    return file_codecs[kind - 1];
}

void ns_header_write(uint8_t out[NS_HEADER_LEN], ns_file_kind kind, uint32_t codec)
{
    memset(out, 0, NS_HEADER_LEN);
    memcpy(out, NS_MAGIC, NS_MAGIC_LEN);
    ns_put_u16le(out + 8, NS_FORMAT_MAJOR);
    ns_put_u16le(out + 10, NS_FORMAT_MINOR);
    ns_put_u32le(out + 12, (uint32_t)kind);
    ns_put_u32le(out + 16, codec);
    ns_put_u32le(out + 20, NS_HEADER_LEN);
}

void ns_header_get(const uint8_t in[NS_HEADER_LEN], ns_header *h)
{
    h->major = ns_get_u16le(in + 8);
    h->minor = ns_get_u16le(in + 10);
    h->kind = ns_get_u32le(in + 12);
    h->codec = ns_get_u32le(in + 16);
    h->header_len = ns_get_u32le(in + 20);
}

ns_rc ns_file_check_frame(const uint8_t *buf, size_t len, ns_file_kind kind, const char *name,
                          ns_err *err)
{
    if (len < NS_MAGIC_LEN || memcmp(buf, NS_MAGIC, NS_MAGIC_LEN) != 0)
        return ns_err_set(err, NS_E_BADMAGIC, "'%s' is not an nsearch index file (bad magic number)",
                          name);
    if (len < NS_HEADER_LEN + NS_FOOTER_LEN)
        return ns_err_set(err, NS_E_CORRUPT, "'%s' is truncated (%zu bytes)", name, len);
    ns_header h;
    ns_header_get(buf, &h);
    if (h.major != NS_FORMAT_MAJOR)
        return ns_err_set(err, NS_E_VERSION,
                          "'%s' has format version %u.%u; this program reads version %u.x: "
                          "rebuild the index with nindex",
                          name, h.major, h.minor, NS_FORMAT_MAJOR);
    if (h.kind != (uint32_t)kind)
        return ns_err_set(err, NS_E_CORRUPT, "'%s' has file kind %u, expected %u", name, h.kind,
                          (unsigned)kind);
    /* a codec this reader does not know: a newer writer's, like a newer
     * major version (checked before any checksum, which would only call
     * it damage) */
    if (h.codec != ns_file_codec(kind))
        return ns_err_set(err, NS_E_VERSION,
                          "'%s' uses codec %u, which this nsearch cannot read (it reads codec %u "
                          "there): rebuild the index with nindex",
                          name, h.codec, ns_file_codec(kind));
    if (h.header_len != NS_HEADER_LEN)
        return ns_err_set(err, NS_E_CORRUPT, "'%s' has a bad header length", name);
    if (ns_get_u32le(buf + len - NS_FOOTER_LEN) != NS_FOOTER_MAGIC)
        return ns_err_set(err, NS_E_CORRUPT, "'%s' is truncated or damaged (no footer)", name);
    if (ns_get_u32le(buf + len - NS_FOOTER_LEN + 4) != 0) /* not under the checksum */
        return ns_err_set(err, NS_E_CORRUPT, "'%s' is damaged (footer reserved bytes are not zero)", name);
    return NS_OK;
}

ns_rc ns_file_check_sum(const uint8_t *buf, size_t len, const char *name, ns_err *err)
{
    if (len < NS_HEADER_LEN + NS_FOOTER_LEN)
        return ns_err_set(err, NS_E_CORRUPT, "'%s' is truncated (%zu bytes)", name, len);
    uint64_t want = ns_get_u64le(buf + len - 8);
    uint64_t got = XXH3_64bits(buf, len - NS_FOOTER_LEN);
    if (want != got)
        return ns_err_set(err, NS_E_CORRUPT,
                          "'%s': checksum mismatch (stored %016llx, computed %016llx)", name,
                          (unsigned long long)want, (unsigned long long)got);
    return NS_OK;
}

ns_rc ns_sum_init(ns_sum *s)
{
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return NS_E_NOMEM;
    XXH3_64bits_reset(st);
    s->state = st;
    return NS_OK;
}

void ns_sum_update(ns_sum *s, const void *p, size_t n) { XXH3_64bits_update(s->state, p, n); }

void ns_sum_footer(ns_sum *s, uint8_t out[NS_FOOTER_LEN])
{
    ns_put_u32le(out, NS_FOOTER_MAGIC);
    ns_put_u32le(out + 4, 0);
    ns_put_u64le(out + 8, XXH3_64bits_digest(s->state));
}

void ns_sum_release(ns_sum *s)
{
    if (s && s->state) {
        XXH3_freeState(s->state);
        s->state = NULL;
    }
}
