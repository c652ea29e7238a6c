/* sr_info: the description of an index (see sr_info.h). */
#include "sr_info.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_analyzer.h"
#include "ns_json.h"
#include "ns_keyword.h"
#include "ns_rec.h"
#include "ns_term.h"
#include "ns_unorm.h"

typedef struct kw_count {
    uint64_t values, postings;
} kw_count;

/* Counts each keyword field's distinct values and postings into
 * counts[0..ix->n_kw_fields). */
static ns_rc count_keywords(const sr_index *ix, kw_count *counts, ns_err *err)
{
    sr_dict_iter it;
    sr_dict_iter_init(&it);
    sr_term_info ti;
    int r;
    while ((r = sr_dict_iter_next(ix, &it, &ti, err)) == 1 && ns_keyword_is_key(it.term, it.term_len)) {
        const char *name, *value;
        size_t nlen, vlen;
        if (!ns_keyword_split(it.term, it.term_len, &name, &nlen, &value, &vlen))
            continue; /* --check names it */
        for (uint32_t i = 0; i < ix->n_kw_fields; i++) {
            if (ix->kw_fields[i].len == nlen && memcmp(ix->kw_fields[i].name, name, nlen) == 0) {
                counts[i].values++;
                counts[i].postings += ti.df;
                break;
            }
        }
    }
    return r < 0 ? err->rc : NS_OK;
}

/* The analyzer identity recorded in meta (equal to the analyzer's: checked
 * at open). */
static uint64_t stored_identity(const sr_index *ix)
{
    ns_meta m;
    ns_meta_get(ix->f[NS_FILE_META].payload, &m);
    return m.identity;
}

static void put_name(ns_buf *out, sr_info_format fmt, const char *s, size_t len)
{
    if (fmt == SR_INFO_JSON)
        ns_json_put_string(out, s, len);
    else
        ns_term_put(out, s, len, NS_TERM_NAME);
}

static void put_text(const sr_index *ix, const kw_count *kc, ns_buf *out)
{
    const ns_analyzer *an = ix->an;
    ns_buf_puts(out, "index:          ");
    put_name(out, SR_INFO_TEXT, ix->dir, strlen(ix->dir));
    ns_buf_printf(out, "\nformat:         %u.%u\n", NS_FORMAT_MAJOR, ix->minor);
    ns_buf_printf(out, "documents:      %" PRIu64 " live, %" PRIu64 " slots\n", ix->n_live, ix->n_docs);
    ns_buf_printf(out, "terms:          %" PRIu64 "\n", ix->n_terms);
    ns_buf_printf(out, "postings:       %" PRIu64 "\n", ix->n_postings);
    ns_buf_printf(out, "tokens:         %" PRIu64 "\n", ix->total_tokens);
    ns_buf_printf(out, "average length: %.2f words\n", ix->n_live ? ix->avgdl : 0.0);
    if (ix->n_shards && ix->set_id)
        ns_buf_printf(out,
                      "shard:          %u of %u, merged: the set has %" PRIu64 " documents of %" PRIu64
                      " read, %" PRIu64 " terms, %" PRIu64 " tokens (set %016" PRIx64 ")\n",
                      ix->shard, ix->n_shards, ix->set_live, ix->n_input, ix->set_terms,
                      ix->set_tokens, ix->set_id);
    else if (ix->n_shards)
        ns_buf_printf(out,
                      "shard:          %u of %u, not merged (nindex --merge-stats): %" PRIu64
                      " documents read\n",
                      ix->shard, ix->n_shards, ix->n_input);
    ns_buf_printf(out,
                  "analyzer:       language %s, stop words %s, diacritics %s, Unicode %s, "
                  "tokenizer version %u, identity %016" PRIx64 "\n",
                  ix->lang, ns_stop_list_name(ns_analyzer_stop_list(an)),
                  ns_analyzer_keep_diacritics(an) ? "kept" : "removed",
                  ns_unorm_unicode_version(), NS_TOKENIZER_VERSION, stored_identity(ix));
    ns_buf_puts(out, "text fields:    title, body (searchable, with positions)\n");
    ns_buf_puts(out, "keyword fields:");
    if (!ix->n_kw_fields)
        ns_buf_puts(out, " none");
    ns_buf_putc(out, '\n');
    for (uint32_t i = 0; i < ix->n_kw_fields; i++) {
        ns_buf_puts(out, "  ");
        put_name(out, SR_INFO_TEXT, ix->kw_fields[i].name, ix->kw_fields[i].len);
        ns_buf_printf(out, ": %" PRIu64 " distinct value%s, %" PRIu64 " posting%s\n", kc[i].values,
                      kc[i].values == 1 ? "" : "s", kc[i].postings, kc[i].postings == 1 ? "" : "s");
    }
    ns_buf_puts(out, "stored fields:  id, title, date, url, body");
    for (uint64_t i = 0; i < ix->n_fields; i++) {
        ns_buf_puts(out, ", ");
        put_name(out, SR_INFO_TEXT, ix->field_names[i].name, ix->field_names[i].len);
    }
    ns_buf_puts(out, "\nfiles:\n");
    uint64_t total = 0;
    for (int k = 1; k <= NS_FILE_KIND_MAX; k++) {
        if (k > NS_FILE_KIND_COUNT && !ix->f[k].base)
            continue;
        ns_buf_printf(out, "  %-9s %12zu bytes\n", ns_file_name((ns_file_kind)k), ix->f[k].size);
        total += ix->f[k].size;
    }
    ns_buf_printf(out, "  %-9s %12" PRIu64 " bytes\n", "total", total);
}

static void put_json(const sr_index *ix, const kw_count *kc, ns_buf *out)
{
    const ns_analyzer *an = ix->an;
    ns_buf_puts(out, "{\"index\":");
    put_name(out, SR_INFO_JSON, ix->dir, strlen(ix->dir));
    ns_buf_printf(out, ",\"format\":\"%u.%u\"", NS_FORMAT_MAJOR, ix->minor);
    ns_buf_printf(out, ",\"documents\":%" PRIu64 ",\"slots\":%" PRIu64, ix->n_live, ix->n_docs);
    ns_buf_printf(out, ",\"terms\":%" PRIu64 ",\"postings\":%" PRIu64 ",\"tokens\":%" PRIu64,
                  ix->n_terms, ix->n_postings, ix->total_tokens);
    ns_buf_printf(out, ",\"avgdl\":%.17g", ix->n_live ? ix->avgdl : 0.0);
    if (ix->n_shards) {
        ns_buf_printf(out, ",\"shard\":{\"shard\":%u,\"shards\":%u,\"read\":%" PRIu64 ",\"merged\":%s",
                      ix->shard, ix->n_shards, ix->n_input, ix->set_id ? "true" : "false");
        if (ix->set_id)
            ns_buf_printf(out,
                          ",\"set\":\"%016" PRIx64 "\",\"documents\":%" PRIu64 ",\"terms\":%" PRIu64
                          ",\"tokens\":%" PRIu64,
                          ix->set_id, ix->set_live, ix->set_terms, ix->set_tokens);
        ns_buf_putc(out, '}');
    }
    ns_buf_puts(out, ",\"analyzer\":{\"language\":");
    put_name(out, SR_INFO_JSON, ix->lang, strlen(ix->lang));
    ns_buf_printf(out,
                  ",\"stopwords\":\"%s\",\"diacritics\":\"%s\",\"unicode\":\"%s\","
                  "\"tokenizer\":%u,\"identity\":\"%016" PRIx64 "\"}",
                  ns_stop_list_name(ns_analyzer_stop_list(an)),
                  ns_analyzer_keep_diacritics(an) ? "kept" : "removed", ns_unorm_unicode_version(),
                  NS_TOKENIZER_VERSION, stored_identity(ix));
    ns_buf_puts(out, ",\"text_fields\":[{\"name\":\"title\",\"positions\":true},"
                     "{\"name\":\"body\",\"positions\":true}]");
    ns_buf_puts(out, ",\"keyword_fields\":[");
    for (uint32_t i = 0; i < ix->n_kw_fields; i++) {
        ns_buf_puts(out, i ? ",{\"name\":" : "{\"name\":");
        put_name(out, SR_INFO_JSON, ix->kw_fields[i].name, ix->kw_fields[i].len);
        ns_buf_printf(out, ",\"values\":%" PRIu64 ",\"postings\":%" PRIu64 "}", kc[i].values,
                      kc[i].postings);
    }
    ns_buf_puts(out, "],\"stored_fields\":[\"id\",\"title\",\"date\",\"url\",\"body\"");
    for (uint64_t i = 0; i < ix->n_fields; i++) {
        ns_buf_putc(out, ',');
        put_name(out, SR_INFO_JSON, ix->field_names[i].name, ix->field_names[i].len);
    }
    ns_buf_puts(out, "],\"files\":{");
    uint64_t total = 0;
    for (int k = 1; k <= NS_FILE_KIND_MAX; k++) {
        if (k > NS_FILE_KIND_COUNT && !ix->f[k].base)
            continue;
        ns_buf_printf(out, "%s\"%s\":%zu", k > 1 ? "," : "", ns_file_name((ns_file_kind)k),
                      ix->f[k].size);
        total += ix->f[k].size;
    }
    ns_buf_printf(out, "},\"bytes\":%" PRIu64 "}\n", total);
}

ns_rc sr_info_write(const sr_index *ix, sr_info_format fmt, ns_buf *out, ns_err *err)
{
    kw_count *kc = ns_calloc(ix->n_kw_fields ? ix->n_kw_fields : 1, sizeof *kc);
    if (!kc)
        return ns_err_set(err, NS_E_NOMEM, "out of memory");
    ns_rc rc = count_keywords(ix, kc, err);
    /* Room for everything first, so that no append below can fail: fixed
     * text, and each name escaped (at most 6 bytes per byte: \u00XX). */
    size_t need = 4096 + 6 * strlen(ix->dir) + 6 * strlen(ix->lang);
    for (uint32_t i = 0; i < ix->n_kw_fields; i++)
        need += 64 + 6 * ix->kw_fields[i].len;
    for (uint64_t i = 0; i < ix->n_fields; i++)
        need += 32 + 6 * ix->field_names[i].len;
    if (!rc && ns_buf_reserve(out, need))
        rc = ns_err_set(err, NS_E_NOMEM, "out of memory");
    if (!rc) {
        if (fmt == SR_INFO_JSON)
            put_json(ix, kc, out);
        else
            put_text(ix, kc, out);
    }
    ns_free(kc);
    return rc;
}

/* The bytes of ix's files (the "total" line of its description). */
static uint64_t file_bytes(const sr_index *ix)
{
    uint64_t total = 0;
    for (int k = 1; k <= NS_FILE_KIND_MAX; k++)
        if (k <= NS_FILE_KIND_COUNT || ix->f[k].base)
            total += ix->f[k].size;
    return total;
}

ns_rc sr_info_write_set(const sr_index *const *parts, size_t n, sr_info_format fmt, ns_buf *out,
                        ns_err *err)
{
    const sr_index *x = parts[0];
    uint64_t postings = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        postings += parts[i]->n_postings;
        bytes += file_bytes(parts[i]);
    }
    ns_rc rc = NS_OK;
    if (fmt == SR_INFO_JSON)
        ns_buf_printf_s(&rc, out,
                      "{\"set\":\"%016" PRIx64 "\",\"shards\":%u,\"shards_open\":%zu,"
                      "\"documents\":%" PRIu64 ",\"read\":%" PRIu64 ",\"terms\":%" PRIu64
                      ",\"tokens\":%" PRIu64 ",\"avgdl\":%.17g,\"postings\":%" PRIu64
                      ",\"bytes\":%" PRIu64 ",\"indexes\":[",
                      x->set_id, x->n_shards, n, x->set_live, x->n_input, x->set_terms,
                      x->set_tokens, x->set_live ? x->avgdl : 0.0, postings, bytes);
    else
        ns_buf_printf_s(&rc, out,
                      "set:            %016" PRIx64 ", %zu of %u shards\n"
                      "documents:      %" PRIu64 " live, of %" PRIu64 " read\n"
                      "terms:          %" PRIu64 "\n"
                      "tokens:         %" PRIu64 "\n"
                      "average length: %.2f words\n"
                      "postings:       %" PRIu64 " (the shards given)\n"
                      "bytes:          %" PRIu64 " (the shards given)\n",
                      x->set_id, n, x->n_shards, x->set_live, x->n_input, x->set_terms,
                      x->set_tokens, x->set_live ? x->avgdl : 0.0, postings, bytes);
    for (size_t i = 0; !rc && i < n; i++) {
        if (fmt != SR_INFO_JSON || i)
            ns_buf_putc_s(&rc, out, fmt == SR_INFO_JSON ? ',' : '\n');
        if (rc || (rc = sr_info_write(parts[i], fmt, out, err)))
            break;
        if (fmt == SR_INFO_JSON && out->len && out->data[out->len - 1] == '\n')
            out->len--; /* one object per shard inside the array */
    }
    if (fmt == SR_INFO_JSON)
        ns_buf_puts_s(&rc, out, "]}\n");
    if (rc == NS_E_NOMEM)
        ns_err_set(err, NS_E_NOMEM, "out of memory");
    return rc;
}
