/* ns_lang: language names, aliases and elisions (see ns_lang.h). */
#include "ns_lang.h"

#include <stdio.h>
#include <string.h>

#include <libstemmer.h>

/* ISO 639 codes libstemmer 2.x accepts, mapped to its canonical names. */
static const struct {
    const char *alias, *name;
} lang_aliases[] = {
    {"ar", "arabic"},     {"ara", "arabic"},     {"hy", "armenian"},
    {"hye", "armenian"},  {"arm", "armenian"},   {"eu", "basque"},
    {"eus", "basque"},    {"baq", "basque"},     {"ca", "catalan"},
    {"cat", "catalan"},   {"da", "danish"},      {"dan", "danish"},
    {"nl", "dutch"},      {"dut", "dutch"},      {"nld", "dutch"},
    {"en", "english"},    {"eng", "english"},    {"fi", "finnish"},
    {"fin", "finnish"},   {"fr", "french"},      {"fre", "french"},
    {"fra", "french"},    {"de", "german"},      {"ger", "german"},
    {"deu", "german"},    {"el", "greek"},       {"gre", "greek"},
    {"ell", "greek"},     {"hi", "hindi"},       {"hin", "hindi"},
    {"hu", "hungarian"},  {"hun", "hungarian"},  {"id", "indonesian"},
    {"ind", "indonesian"}, {"ga", "irish"},      {"gle", "irish"},
    {"it", "italian"},    {"ita", "italian"},    {"lt", "lithuanian"},
    {"lit", "lithuanian"}, {"ne", "nepali"},     {"nep", "nepali"},
    {"no", "norwegian"},  {"nor", "norwegian"},  {"pt", "portuguese"},
    {"por", "portuguese"}, {"ro", "romanian"},   {"rum", "romanian"},
    {"ron", "romanian"},  {"ru", "russian"},     {"rus", "russian"},
    {"sr", "serbian"},    {"srp", "serbian"},    {"es", "spanish"},
    {"esl", "spanish"},   {"spa", "spanish"},    {"sv", "swedish"},
    {"swe", "swedish"},   {"ta", "tamil"},       {"tam", "tamil"},
    {"tr", "turkish"},    {"tur", "turkish"},    {"yi", "yiddish"},
    {"yid", "yiddish"},
};

static bool lang_listed(const char *name)
{
    for (const char **l = sb_stemmer_list(); *l; l++)
        if (strcmp(*l, name) == 0)
            return true;
    return false;
}

ns_rc ns_lang_unknown(const char *lang, ns_err *err)
{
    /* As many names as fit in the message; "..." marks a cut. */
    char msg[sizeof err->msg];
    int pn = snprintf(msg, sizeof msg, "unknown language '%.20s'; available: none", lang);
    size_t n = pn > 0 && (size_t)pn < sizeof msg ? (size_t)pn : 0;
    for (const char **l = sb_stemmer_list(); *l; l++) {
        size_t m = strlen(*l);
        bool last = l[1] == NULL;
        if (n + 1 + m + (last ? 0 : 4) >= sizeof msg) {
            memcpy(msg + n, " ...", 4);
            n += 4;
            break;
        }
        msg[n++] = ' ';
        memcpy(msg + n, *l, m);
        n += m;
    }
    msg[n] = '\0';
    return ns_err_set(err, NS_E_ARG, "%s", msg);
}

/* Canonical name for lang in out[NS_LANG_MAX], or false if unknown. */
bool ns_lang_resolve(const char *lang, char out[NS_LANG_MAX])
{
    size_t n = strlen(lang);
    if (n == 0 || n >= NS_LANG_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = lang[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (!((c >= 'a' && c <= 'z') || c == '_'))
            return false;
        out[i] = c;
    }
    out[n] = '\0';
    if (strcmp(out, "none") == 0 || lang_listed(out))
        return true;
    for (size_t i = 0; i < sizeof lang_aliases / sizeof lang_aliases[0]; i++) {
        if (strcmp(out, lang_aliases[i].alias) == 0 && lang_listed(lang_aliases[i].name)) {
            strcpy(out, lang_aliases[i].name);
            return true;
        }
    }
    /* An alias this table does not know (a newer libstemmer): keep it. */
    struct sb_stemmer *s = sb_stemmer_new(out, "UTF_8");
    sb_stemmer_delete(s);
    return s != NULL;
}

/* Lucene's lists (FrenchAnalyzer, ItalianAnalyzer, CatalanAnalyzer,
 * IrishAnalyzer), folded. */
static const char *const elide_french[] = {"l", "m", "t", "qu", "n", "s", "j", "d", "c",
                                           "jusqu", "quoiqu", "lorsqu", "puisqu", NULL};
static const char *const elide_italian[] = {"c", "l", "all", "dall", "dell", "nell", "sull",
                                            "coll", "pell", "gl", "agl", "dagl", "degl",
                                            "negl", "sugl", "un", "m", "t", "s", "v", "d",
                                            NULL};
static const char *const elide_catalan[] = {"d", "l", "m", "n", "s", "t", NULL};
static const char *const elide_irish[] = {"d", "m", "b", NULL};

const char *const *ns_lang_elisions(const char *lang)
{
    if (strcmp(lang, "french") == 0)
        return elide_french;
    if (strcmp(lang, "italian") == 0)
        return elide_italian;
    if (strcmp(lang, "catalan") == 0)
        return elide_catalan;
    if (strcmp(lang, "irish") == 0)
        return elide_irish;
    return NULL;
}

bool ns_lang_is_elision(const char *const *list, const char *w, size_t n)
{
    for (; list && *list; list++)
        if (strlen(*list) == n && memcmp(*list, w, n) == 0)
            return true;
    return false;
}
