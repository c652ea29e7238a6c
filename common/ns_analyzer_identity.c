/* ns_analyzer_identity: the fingerprint of an analysis chain (see
 * ns_analyzer.h).  Part of the analyzer module, in its own file because it
 * is a job of its own: what an index records so that a searcher can tell
 * whether it analyses text the same way. */
#include "ns_analyzer.h"

#include <string.h>

#include <xxhash.h>

#include "ns_unorm.h"

/* Probe text for the identity: English, French, German, Spanish, Russian,
 * Greek and other forms, possessives, digits, a combining accent, letters
 * that fold specially, the word rules (numbers, acronyms, apostrophes,
 * joiners), normalization (NFD, a ligature, fullwidth forms), CJK bigrams,
 * and a word over the token cap.  Changing it changes every identity.  No
 * Thai and no Hangul: ICU loads a dictionary for each on first use, which
 * would cost every nsearch process a millisecond; the ICU version, hashed
 * in, stands for its dictionaries. */
static const char identity_probe[] =
    "running runs ran generalizations generalization meeting meets nations "
    "national Russia's NATO\xE2\x80\x99s Article Five connected connection "
    "happiness relational hopeful quickly 2022 "
    "continuellement nationalit\xC3\xA9 \xC3\xA9tudiants l'homme qu\xE2\x80\x99il "
    "H\xC3\xA4user aufeinanderfolgenden M\xC3\xA4" "dchen Stra\xC3\x9F" "e "
    "corriendo naciones canci\xC3\xB3n "
    "\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A\xD0\x92\xD0\x90 "
    "\xD0\xB1\xD0\xB5\xD0\xB6\xD0\xB0\xD1\x82\xD1\x8C \xD0\xB9 "
    "\xCE\x9F\xCE\x94\xCE\xA5\xCE\xA3\xCE\xA3\xCE\x95\xCE\xA5\xCE\xA3 "
    "\xCE\xB1\xCE\xBD\xCE\xB8\xCF\x81\xCF\x8E\xCF\x80\xCE\xBF\xCF\x85\xCF\x82 "
    "\xC4\xB0stanbul kitaplar\xC4\xB1 "
    "e\xCC\x81" "cole caf\xC3\xA9 cafe\xCC\x81 \xEF\xAC\x81ne "
    "\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3 "
    "it's o'clock don't rock'n'roll U.S.A. e.g. 3.5% 155,221 1987-03-26 12:30 "
    "a_b __init__ john@example.com AT&T C++ #tag e-mail www.example.com "
    "arbetande spr\xC3\xA5kens nykyaikaisten g\xC3\xA9pesek "
    "\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAF\xE6\x97\xA5\xE6\x9C\xAC\xE3\x81\xAE"
    "\xE9\xA6\x96\xE9\x83\xBD\xE3\x81\xA7\xE3\x81\x99 "            /* 東京は日本の首都です */
    "\xE3\x82\xAB\xE3\x82\xBF\xEF\xBD\xB6\xEF\xBE\x9E \xE4\xBA\xAC " /* カタｶﾞ 京 */
    "\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\xA8\xE0\xA5\x8D\xE0\xA4\xA6\xE0\xA5\x80 " /* हिन्दी */
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa end";

typedef struct id_ctx {
    uint64_t h;
} id_ctx;

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int k = 0; k < n; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static int identity_cb(void *ctx, const ns_token *tok)
{
    id_ctx *c = ctx;
    uint8_t rec[16];
    put_le(rec, tok->term_len, 4);
    put_le(rec + 4, tok->start, 4);
    put_le(rec + 8, tok->end, 4);
    put_le(rec + 12, tok->pos, 4);
    c->h = XXH64(rec, sizeof rec, c->h);
    c->h = XXH64(tok->term, tok->term_len, c->h);
    return 0;
}

uint64_t ns_analyzer_identity(ns_analyzer *a)
{
    const char *lang = ns_analyzer_lang(a), *uv = ns_unorm_unicode_version();
    const char *iv = ns_unorm_icu_version();
    uint8_t hdr[16];
    put_le(hdr, NS_TOKENIZER_VERSION, 4);
    put_le(hdr + 4, NS_TOKEN_MAX_BYTES, 4);
    put_le(hdr + 8, strlen(lang), 4);
    put_le(hdr + 12, ns_analyzer_keep_diacritics(a), 4);
    id_ctx c = {XXH64(hdr, sizeof hdr, 0x6e736561726368ull /* "nsearch" */)};
    c.h = XXH64(lang, strlen(lang), c.h);
    c.h = XXH64(uv, strlen(uv), c.h);
    c.h = XXH64(iv, strlen(iv), c.h);
    const char *sn = ns_stop_list_name(ns_analyzer_stop_list(a));
    if (ns_analyzer_stop_list(a) != NS_STOP_NONE && sn)
        c.h = XXH64(sn, strlen(sn), c.h);
    /* On a fresh analyzer of the same settings, without the cache, so that
     * a's cache and statistics stay as they were. */
    ns_err err;
    ns_analyzer *p = NULL;
    if (ns_analyzer_new(lang, &p, &err) ||
        ns_analyzer_set_stop_list(p, ns_analyzer_stop_list(a), &err) ||
        ns_analyzer_set_keep_diacritics(p, ns_analyzer_keep_diacritics(a), &err)) {
        ns_analyzer_free(p);
        return 0;
    }
    ns_analyzer_set_cache(p, 0);
    ns_rc rc = ns_analyze(p, identity_probe, sizeof identity_probe - 1, identity_cb, &c);
    ns_analyzer_free(p);
    return rc == NS_OK && c.h ? c.h : 0;
}
