/* End-to-end tests of nindex's input encodings: UTF-16 and UTF-32 text by
 * its byte-order mark, `--encoding NAME` for plain text (Latin-1,
 * windows-1252, SHIFT_JIS), bytes invalid in the encoding (a warning naming
 * file and line, U+FFFD, the document kept), unknown names (usage error),
 * and UTF-8 unchanged.  Documents are looked up with the exact accented
 * UTF-8 form and checked through `nsearch --json` (the stored text). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tutil.h"

#define TIMEOUT_S 20
#include "tcli.h"

/* A test's scratch directory, its input directory docs/ and index idx. */
typedef struct fx {
    char *dir, *docs, *idx; /* owned: fx_free */
} fx;

static fx fx_make(const char *name)
{
    fx f;
    f.dir = tu_tmpdir(name);
    f.docs = tu_path(f.dir, "docs");
    f.idx = tu_path(f.dir, "idx");
    return f;
}

static void fx_free(fx *f)
{
    free(f->idx);
    free(f->docs);
    free(f->dir);
}

/* Writes dir/name = data[0..len) (dir is created if needed). */
static void put(const char *dir, const char *name, const void *data, size_t len)
{
    mkdir(dir, 0777);
    char *p = tu_path(dir, name);
    cr_assert_eq(tu_write_file(p, data, len), 0, "cannot write %s", p);
    free(p);
}

/* The UTF-16 (be: big-endian) of Latin-1 text, with a BOM first when bom:
 * each byte is one code unit.  Returns the length written to out. */
static size_t utf16(const char *latin1, int be, int bom, uint8_t *out)
{
    size_t n = 0;
    if (bom) {
        out[n++] = be ? 0xFE : 0xFF;
        out[n++] = be ? 0xFF : 0xFE;
    }
    for (const uint8_t *s = (const uint8_t *)latin1; *s; s++) {
        out[n++] = be ? 0 : *s;
        out[n++] = be ? *s : 0;
    }
    return n;
}

/* Indexes f->docs into f->idx (with --encoding when encoding is not NULL)
 * and asserts a build without warnings. */
static void build_clean(const fx *f, const char *encoding)
{
    tu_out o = encoding ? NINDEX("-o", f->idx, "--encoding", encoding, f->docs)
                        : NINDEX("-o", f->idx, f->docs);
    const char *e = encoding ? encoding : "(none)";
    cr_assert_eq(o.status, 0, "--encoding %s: stderr: %s", e, o.err);
    cr_assert(strstr(o.err, "no warnings"), "--encoding %s: stderr: %s", e, o.err);
    tu_out_free(&o);
}

/* nsearch --json QUERY on idx: asserts status want and returns stdout,
 * owned (free). */
static char *json_hits(const char *idx, const char *query, int want)
{
    tu_out o = NSEARCH("-i", idx, "-k", "100", "--json", query);
    cr_assert_eq(o.status, want, "nsearch '%s': status %d, stderr: %s", query, o.status, o.err);
    char *out = o.out;
    o.out = NULL;
    tu_out_free(&o);
    return out;
}

/* True if err has the line "nindex: warning: FILE:LINE: ..." holding what. */
static int warned(const char *err, const char *file, unsigned line, const char *what)
{
    char head[1024];
    snprintf(head, sizeof head, "nindex: warning: %s:%u: ", file, line);
    const char *p = strstr(err, head);
    return p && strstr(p, what) && strstr(p, what) < p + strcspn(p, "\n");
}

Test(cli_encoding, utf16_and_utf32_with_a_bom_are_converted)
{
    fx f = fx_make("bom16");
    uint8_t b[256];
    put(f.docs, "le.txt", b, utf16("\n  Caf\xe9 title\nthe na\xefve genet\n", 0, 1, b));
    put(f.docs, "be.md", b, utf16("Be title\nna\xefve okapi\n", 1, 1, b));
    /* UTF-32LE: "U32\nnaïve\n" */
    static const char u32[] = "\xff\xfe\0\0U\0\0\0" "3\0\0\0" "2\0\0\0\n\0\0\0"
                              "n\0\0\0a\0\0\0\xef\0\0\0v\0\0\0e\0\0\0";
    put(f.docs, "u32.txt", u32, sizeof u32 - 1);
    build_clean(&f, NULL);
    char *h = json_hits(f.idx, "na\xc3\xafve", 0);
    cr_assert(strstr(h, "\"id\":\"le.txt\",\"title\":\"Caf\xc3\xa9 title\""), "stdout: %s", h);
    cr_assert(strstr(h, "\"id\":\"be.md\",\"title\":\"Be title\""), "stdout: %s", h);
    cr_assert(strstr(h, "\"id\":\"u32.txt\",\"title\":\"U32\""), "stdout: %s", h);
    cr_assert(strstr(h, "the na\xc3\xafve genet"), "stdout: %s", h);
    free(h);
    h = json_hits(f.idx, "okapi", 0);
    cr_assert(strstr(h, "\"snippet\":\"na\xc3\xafve okapi\""), "stdout: %s", h);
    free(h);
    tu_out o = NSEARCH("--check", "-i", f.idx);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    fx_free(&f);
}

/* A file of several reads (the reader converts 64 KiB at a time): a
 * surrogate pair or a code unit cut by a chunk's end is whole again. */
Test(cli_encoding, long_utf16_text_converts_across_read_chunks)
{
    fx f = fx_make("long16");
    size_t cap = 600000, n = 0;
    uint8_t *b = malloc(cap);
    b[n++] = 0xFF, b[n++] = 0xFE;
    n += utf16("Long\n", 0, 0, b + n);
    while (n < cap - 64) { /* "ab 😀 " with odd counts of units in between */
        n += utf16("ab ", 0, 0, b + n);
        memcpy(b + n, "\x3d\xd8\x00\xde", 4); /* U+1F600 */
        n += 4;
        n += utf16(n % 7 ? " " : " c ", 0, 0, b + n);
    }
    n += utf16(" lastword\n", 0, 0, b + n);
    put(f.docs, "long.txt", b, n);
    build_clean(&f, NULL);
    char *h = json_hits(f.idx, "lastword", 0);
    cr_assert(strstr(h, "\"id\":\"long.txt\""), "stdout: %s", h);
    cr_assert(strstr(h, "\xf0\x9f\x98\x80"), "no U+1F600 in: %s", h);
    cr_assert(!strstr(h, "\xef\xbf\xbd"), "U+FFFD in: %s", h);
    free(h);
    free(b);
    fx_free(&f);
}

Test(cli_encoding, invalid_utf16_is_repaired_with_a_warning_naming_the_line)
{
    fx f = fx_make("bad16");
    uint8_t b[256];
    size_t n = utf16("Bad title\nfirst line\n", 0, 1, b);
    memcpy(b + n, "\x00\xdc", 2); /* a lone low surrogate on line 3 */
    n += 2;
    n += utf16(" marmot\n", 0, 0, b + n);
    b[n++] = 'z'; /* an odd last byte */
    put(f.docs, "bad.txt", b, n);
    char *p = tu_path(f.docs, "bad.txt");
    tu_out o = NINDEX("-o", f.idx, f.docs);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(warned(o.err, p, 3, "2 invalid UTF-16LE sequences (first at byte 44"),
              "stderr: %s", o.err);
    cr_assert(strstr(o.err, "1 warning: 1 invalid in its encoding"), "stderr: %s", o.err);
    tu_out_free(&o);
    char *h = json_hits(f.idx, "marmot", 0);
    cr_assert(strstr(h, "\xef\xbf\xbd marmot \xef\xbf\xbd"), "stdout: %s", h);
    free(h);
    /* --strict counts it like any warning */
    o = NINDEX("--strict", "-o", f.idx, f.docs);
    cr_assert_eq(o.status, 2, "stderr: %s", o.err);
    tu_out_free(&o);
    free(p);
    fx_free(&f);
}

Test(cli_encoding, latin1_text_is_read_with_encoding)
{
    fx f = fx_make("latin1");
    static const char l1[] = "Caf\xe9 au lait\nna\xefve caf\xe9\n";
    put(f.docs, "l1.txt", l1, sizeof l1 - 1);
    const char *names[] = {"latin1", "ISO-8859-15", "windows-1252"};
    for (int i = 0; i < 3; i++) {
        build_clean(&f, names[i]);
        char *h = json_hits(f.idx, "na\xc3\xafve", 0);
        cr_assert(strstr(h, "\"title\":\"Caf\xc3\xa9 au lait\""), "%s: stdout: %s", names[i], h);
        cr_assert(strstr(h, "\"snippet\":\"na\xc3\xafve caf\xc3\xa9\""), "%s: stdout: %s",
                  names[i], h);
        free(h);
    }
    /* --encoding=NAME, and standard input */
    tu_out o = tc_runv(l1, TIMEOUT_S, NS_TEST_NINDEX, "-q", "--encoding=latin1", "-o", f.idx, "-",
                       (const char *)NULL);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    char *h = json_hits(f.idx, "caf\xc3\xa9", 0);
    cr_assert(strstr(h, "\"id\":\"stdin\",\"title\":\"Caf\xc3\xa9 au lait\""), "stdout: %s", h);
    free(h);
    /* SHIFT_JIS: あ (82 A0) */
    static const char sj[] = "SJ title\n\x82\xa0 kappa\n";
    put(f.docs, "l1.txt", sj, sizeof sj - 1);
    o = NINDEX("-o", f.idx, "--encoding", "SHIFT_JIS", f.docs);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    tu_out_free(&o);
    h = json_hits(f.idx, "kappa", 0);
    cr_assert(strstr(h, "\"snippet\":\"\xe3\x81\x82 kappa\""), "stdout: %s", h);
    free(h);
    fx_free(&f);
}

Test(cli_encoding, bytes_invalid_in_the_encoding_warn_and_keep_the_document)
{
    fx f = fx_make("bad1252");
    /* 0x81 and 0x8D are no character of windows-1252 */
    static const char w[] = "Title\nfine line\nab\x81" "cd x\x8dy caf\xe9 ocelot\n";
    put(f.docs, "w.txt", w, sizeof w - 1);
    char *p = tu_path(f.docs, "w.txt");
    tu_out o = NINDEX("-o", f.idx, "--encoding", "windows-1252", f.docs);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(warned(o.err, p, 3, "2 invalid windows-1252 sequences (first at byte 18 of the file)"),
              "stderr: %s", o.err);
    cr_assert(strstr(o.err, "replaced by U+FFFD"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "indexed 1 documents"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "1 warning: 1 invalid in its encoding"), "stderr: %s", o.err);
    tu_out_free(&o);
    char *h = json_hits(f.idx, "ocelot", 0);
    cr_assert(strstr(h, "ab\xef\xbf\xbd" "cd x\xef\xbf\xbdy caf\xc3\xa9 ocelot"), "stdout: %s", h);
    free(h);
    free(p);
    fx_free(&f);
}

Test(cli_encoding, an_unknown_encoding_is_a_usage_error_naming_it)
{
    fx f = fx_make("unknown");
    put(f.docs, "a.txt", "A\nalpha\n", 8);
    tu_out o = NINDEX("-o", f.idx, "--encoding", "no-such-encoding", f.docs);
    cr_assert_eq(o.status, 2, "stderr: %s", o.err);
    cr_assert(strstr(o.err, "nindex: unknown encoding 'no-such-encoding'"), "stderr: %s", o.err);
    cr_assert(strstr(o.err, "Try 'nindex --help'"), "stderr: %s", o.err);
    cr_assert_str_empty(o.out);
    tu_out_free(&o);
    struct stat sb;
    cr_assert_neq(stat(f.idx, &sb), 0, "an index was written");
    o = NINDEX("-o", f.idx, "--encoding");
    cr_assert_eq(o.status, 2, "stderr: %s", o.err);
    tu_out_free(&o);
    /* JSON Lines are UTF-8: --encoding with --input-format jsonl is refused */
    o = NINDEX("-o", f.idx, "--encoding", "latin1", "--input-format", "jsonl", f.docs);
    cr_assert_eq(o.status, 2, "stderr: %s", o.err);
    cr_assert(strstr(o.err, "JSON Lines, which are UTF-8"), "stderr: %s", o.err);
    tu_out_free(&o);
    cr_assert_neq(stat(f.idx, &sb), 0, "an index was written");
    o = NINDEX("--help");
    cr_assert(strstr(o.out, "--encoding=NAME"), "stdout: %s", o.out);
    tu_out_free(&o);
    fx_free(&f);
}

/* A byte-order mark wins over --encoding; JSON Lines stay UTF-8. */
Test(cli_encoding, a_bom_and_json_lines_win_over_encoding)
{
    fx f = fx_make("bomwins");
    static const char u8[] = "\xef\xbb\xbfU8 title\nna\xc3\xafve heron\n";
    put(f.docs, "u8.txt", u8, sizeof u8 - 1);
    uint8_t b[256];
    put(f.docs, "u16.txt", b, utf16("U16 title\nna\xefve egret\n", 1, 1, b));
    static const char j[] = "{\"id\":\"j\",\"body\":\"na\xc3\xafve ibis\"}\n";
    put(f.docs, "j.jsonl", j, sizeof j - 1);
    build_clean(&f, "latin1");
    char *h = json_hits(f.idx, "na\xc3\xafve", 0);
    cr_assert(strstr(h, "\"id\":\"u8.txt\",\"title\":\"U8 title\""), "stdout: %s", h);
    cr_assert(strstr(h, "\"id\":\"u16.txt\",\"title\":\"U16 title\""), "stdout: %s", h);
    cr_assert(strstr(h, "\"id\":\"j\""), "stdout: %s", h);
    cr_assert(strstr(h, "na\xc3\xafve ibis"), "stdout: %s", h);
    free(h);
    fx_free(&f);
}

/* --encoding UTF-8 (any spelling) is the default: the same index bytes,
 * invalid UTF-8 repaired as before. */
Test(cli_encoding, utf8_is_the_default_and_changes_nothing)
{
    fx f = fx_make("utf8");
    char *a = f.idx, *b = tu_path(f.dir, "b");
    static const char t[] = "Caf\xc3\xa9\nna\xc3\xafve \xe9 tapir\n";
    put(f.docs, "t.txt", t, sizeof t - 1);
    static const char j[] = "{\"id\":\"j\",\"body\":\"tapir\"}\n";
    put(f.docs, "j.jsonl", j, sizeof j - 1);
    tu_out o = NINDEX("-o", a, f.docs);
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(strstr(o.err, "1 warning: 1 invalid UTF-8"), "stderr: %s", o.err);
    tu_out_free(&o);
    const char *names[] = {"UTF-8", "utf8", "utf_8"};
    for (int i = 0; i < 3; i++) {
        o = NINDEX("-o", b, "--encoding", names[i], f.docs);
        cr_assert_eq(o.status, 0, "stderr: %s", o.err);
        cr_assert(strstr(o.err, "1 warning: 1 invalid UTF-8"), "stderr: %s", o.err);
        tu_out_free(&o);
        const char *d = tu_index_diff(a, b);
        cr_assert_null(d, "--encoding %s: %s differs", names[i], d);
    }
    free(b);
    fx_free(&f);
}
