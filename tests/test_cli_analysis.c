/* Text analysis as a user meets it (issue 11): the failures of the old
 * analyzer, each tried through nindex and nsearch: normalization, diacritics
 * (and --keep-diacritics), numbers, acronyms, apostrophes, long words,
 * Chinese, Japanese and Thai, and their snippets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIMEOUT_S 60
#include "tcli.h"

static void write_str(const char *path, const char *s)
{
    cr_assert_eq(tu_write_file(path, s, strlen(s)), 0, "%s", path);
}

/* One JSON Lines document per id, bodies as given. */
static const char CORPUS[] =
    "{\"id\":\"nfd\",\"title\":\"t1\",\"body\":\"le cafe\xCC\x81 du coin\"}\n"
    "{\"id\":\"lig\",\"title\":\"t2\",\"body\":\"a \xEF\xAC\x81ne day\"}\n"
    "{\"id\":\"naive\",\"title\":\"t3\",\"body\":\"a na\xC3\xAFve question\"}\n"
    "{\"id\":\"bags\",\"title\":\"t4\",\"body\":\"exports of 155,221 bags rose 3.5% in 1987\"}\n"
    "{\"id\":\"other\",\"title\":\"t5\",\"body\":\"155 boxes and 221 crates, 3 or 5 bags\"}\n"
    "{\"id\":\"us\",\"title\":\"t6\",\"body\":\"the U.S. economy, don\xE2\x80\x99t panic\"}\n"
    "{\"id\":\"tokyo\",\"title\":\"t7\",\"body\":\"\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAF\xE6\x97\xA5"
    "\xE6\x9C\xAC\xE3\x81\xAE\xE9\xA6\x96\xE9\x83\xBD\xE3\x81\xA7\xE3\x81\x99\"}\n"
    "{\"id\":\"beijing\",\"title\":\"t8\",\"body\":\"\xE5\x8C\x97\xE4\xBA\xAC\xE6\x98\xAF\xE4\xB8"
    "\xAD\xE5\x9B\xBD\xE7\x9A\x84\xE9\xA6\x96\xE9\x83\xBD\xE3\x80\x82\"}\n"
    "{\"id\":\"thai\",\"title\":\"t9\",\"body\":\"\xE0\xB8\xA0\xE0\xB8\xB2\xE0\xB8\xA9\xE0\xB8\xB2"
    "\xE0\xB9\x84\xE0\xB8\x97\xE0\xB8\xA2\xE0\xB8\x87\xE0\xB9\x88\xE0\xB8\xB2\xE0\xB8\xA2\"}\n"
    "{\"id\":\"german\",\"title\":\"t10\",\"body\":\"Rindfleischetikettierungs\xC3\xBC"
    "berwachungsaufgaben\xC3\xBC" "bertragungsgesetz\"}\n";

static char *build(const char *name, const char *extra)
{
    char *dir = tu_tmpdir(name);
    char *src = tu_path(dir, "in.jsonl"), *idx = tu_path(dir, "idx");
    write_str(src, CORPUS);
    tu_out o = extra ? NINDEX("-q", extra, "-o", idx, src) : NINDEX("-q", "-o", idx, src);
    cr_assert_eq(o.status, 0, "%s", o.err);
    tu_out_free(&o);
    free(src);
    free(dir);
    return idx;
}

/* The ids nsearch --format trec gives for q, space-separated, best first. */
static void ids(const char *idx, const char *q, char *out, size_t cap)
{
    tu_out o = NSEARCH("-i", idx, "--format", "trec", "--", q);
    cr_assert(o.status == 0 || o.status == 1, "%s: %d %s", q, o.status, o.err);
    out[0] = '\0';
    size_t n = 0;
    for (char *line = strtok(o.out, "\n"); line; line = strtok(NULL, "\n")) {
        char id[64];
        if (sscanf(line, "%*s %*s %63s", id) == 1)
            n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "", id);
    }
    tu_out_free(&o);
}

static void finds(const char *idx, const char *q, const char *want)
{
    char got[512];
    ids(idx, q, got, sizeof got);
    cr_assert_str_eq(got, want, "query '%s'", q);
}

Test(cli_analysis, normal_forms_and_diacritics_match)
{
    char *idx = build("forms", NULL);
    finds(idx, "caf\xC3\xA9", "nfd");         /* NFC query, NFD text */
    finds(idx, "cafe", "nfd");                /* no accent typed */
    finds(idx, "fine", "lig");                /* the ligature */
    finds(idx, "\xEF\xAC\x81ne", "lig");
    finds(idx, "naive", "naive");
    finds(idx, "NA\xC3\x8FVE", "naive");
    free(idx);
}

Test(cli_analysis, keep_diacritics_keeps_them_apart)
{
    char *idx = build("keep", "--keep-diacritics");
    finds(idx, "caf\xC3\xA9", "nfd");
    finds(idx, "cafe", "");
    finds(idx, "naive", "");
    finds(idx, "na\xC3\xAFve", "naive");
    tu_out o = NSEARCH("-i", idx, "--info");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.out, "diacritics kept"), "%s", o.out);
    tu_out_free(&o);
    free(idx);
}

Test(cli_analysis, numbers_acronyms_and_apostrophes_are_words)
{
    char *idx = build("words", NULL);
    finds(idx, "155,221", "bags"); /* not 155 OR 221 */
    finds(idx, "3.5", "bags");
    finds(idx, "U.S.", "us");
    finds(idx, "us", "us");
    finds(idx, "\"U.S. economy\"", "us");
    finds(idx, "don't", "us");
    finds(idx, "don\xE2\x80\x99t", "us");
    free(idx);
}

Test(cli_analysis, chinese_japanese_thai_are_found_and_highlighted)
{
    char *idx = build("cjk", NULL);
    finds(idx, "\xE5\x8C\x97\xE4\xBA\xAC", "beijing");         /* 北京 */
    finds(idx, "\xE9\xA6\x96\xE9\x83\xBD", "beijing tokyo");   /* 首都 (shorter first) */
    finds(idx, "\xE6\x97\xA5\xE6\x9C\xAC", "tokyo");           /* 日本 */
    finds(idx, "\xE0\xB9\x84\xE0\xB8\x97\xE0\xB8\xA2", "thai"); /* ไทย */
    /* 東京は: two bigrams, highlighted as one span of three characters */
    tu_out o = NSEARCH("-i", idx, "--json", "\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x81\xAF");
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.out, "\"highlights\":[[0,9]]"), "%s", o.out);
    tu_out_free(&o);
    free(idx);
}

Test(cli_analysis, long_words_are_found_and_counted)
{
    char *idx = build("long", NULL);
    finds(idx,
          "Rindfleischetikettierungs\xC3\xBC" "berwachungsaufgaben\xC3\xBC" "bertragungsgesetz",
          "german");
    free(idx);
    char *dir = tu_tmpdir("long_count");
    char *src = tu_path(dir, "long.txt"), *out = tu_path(dir, "idx");
    char text[1000];
    memset(text, 'q', 600);
    strcpy(text + 600, " tail\n");
    char file[1100];
    snprintf(file, sizeof file, "Long words\n%s", text); /* the title, then the body */
    write_str(src, file);
    tu_out o = NINDEX("-o", out, src);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.err, "1 word over 255 bytes split"), "%s", o.err);
    tu_out_free(&o);
    text[255] = '\0';
    o = NSEARCH("-i", out, "--count", "-k", "0", text);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_str_eq(o.out, "1 match\n");
    tu_out_free(&o);
    o = NSEARCH("-i", out, "--json", text); /* a match wider than the snippet is highlighted */
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(strstr(o.out, "\"highlights\":[[0,600]]"), "%s", o.out);
    tu_out_free(&o);
    free(src);
    free(out);
    free(dir);
}
