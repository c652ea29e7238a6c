/* Damaged indexes never crash or hang nsearch (FTS5's corrupt tests): every
 * index file is truncated at many lengths and has single bytes flipped at
 * many offsets, files are swapped and versions bumped.  A query must exit 3
 * (header, footer or size damage) or behave (exit 0 or 1), never die of a
 * signal; --check must exit 3 for every flipped byte, since the checksums
 * and the frame cover every byte of every file.
 *
 * Two indexes: corpus/ (3 documents; small files, flipped at every byte or
 * at ~200 offsets plus the whole header and the last 64 bytes), and a
 * synthetic 2,000-document JSON Lines corpus made from a fixed-seed word
 * list, so that frequent terms have posting lists of several 128-document
 * blocks with skip entries.  About 6,000 nsearch runs in all. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "ns_endian.h"
#include "ns_format.h"
#include "tutil.h"

#define TIMEOUT_S 10
#define SEED 20240607u
#define BIG_DOCS 2000
/* Under the sanitizers (CI's time), 120 sampled offsets instead of 200 and
 * every other byte of the small files, headers and trailers; the normal
 * build flips them all. */
#ifdef NS_TEST_SANITIZE
#define FLIP_SAMPLES 120
#define FLIP_STRIDE 2
#else
#define FLIP_SAMPLES 200
#define FLIP_STRIDE 1
#endif
#define SMALL_FILE 512 /* files up to this size are flipped at every byte */

#define CORPUS_QUERY "Article Five"
#define BIG_QUERY "common river stone w017"

/* ---- helpers ---- */

#include "tcli.h"

/* Both indexes have the keyword field tags (format 4.0): a name list in
 * meta, and in the big one keyword terms with skip tables, to damage too. */
static char *build_index(const char *dir, const char *input)
{
    char *idx = tu_path(dir, "pristine");
    tu_out o = NINDEX("-q", "--field", "tags", "-o", idx, input);
    cr_assert_eq(o.status, 0, "nindex %s: status %d, stderr: %s", input, o.status, o.err);
    tu_out_free(&o);
    return idx;
}

/* Writes dir/big.jsonl: BIG_DOCS documents whose titles all hold "common"
 * and whose bodies draw half their words from the 8 most frequent ones, so
 * that those have several 128-document blocks.  Returns: owned path. */
static char *write_big_corpus(const char *dir)
{
    static const char *const words[] = {
        "river", "stone", "light", "north", "market", "garden", "winter", "signal",
        "copper", "meadow", "harbor", "lantern", "velvet", "thunder", "orchard", "glacier",
    };
    const size_t n_words = sizeof words / sizeof words[0];
    char *path = tu_path(dir, "big.jsonl");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    uint32_t s = SEED;
    for (int d = 0; d < BIG_DOCS; d++) {
        fprintf(f, "{\"id\":\"doc-%04d\",\"title\":\"common document %d\",\"body\":\"", d, d);
        int len = 5 + (int)(tu_rng_next(&s) % 60);
        for (int w = 0; w < len; w++) {
            uint32_t r = tu_rng_next(&s);
            if (r & 1)
                fprintf(f, "%s%s", w ? " " : "", words[(r >> 1) % 8]);
            else if (r & 2)
                fprintf(f, "%s%s", w ? " " : "", words[(r >> 2) % n_words]);
            else
                fprintf(f, "%sw%03u", w ? " " : "", (r >> 2) % 400);
        }
        /* other fields: inline, and every 7th one long enough for the frame */
        fprintf(f, "\",\"tags\":[\"t%d\",%d],\"n\":%d", d % 5, d, d);
        if (d % 7 == 0)
            fprintf(f, ",\"long\":\"%0400d\"", d);
        fprintf(f, "}\n");
    }
    cr_assert_eq(fclose(f), 0);
    return path;
}

/* Copies the files of index src into a new directory dst. */
static void copy_index(const char *src, const char *dst)
{
    cr_assert_eq(mkdir(dst, 0777), 0, "cannot create %s", dst);
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        char *a = tu_path(src, ns_file_name((ns_file_kind)k));
        char *b = tu_path(dst, ns_file_name((ns_file_kind)k));
        size_t n;
        char *data = tu_read_file(a, &n);
        cr_assert_not_null(data, "cannot read %s", a);
        cr_assert_eq(tu_write_file(b, data, n), 0);
        free(data);
        free(b);
        free(a);
    }
}

/* A scratch dir with a pristine index (of corpus/ or of the big corpus) and
 * a working copy "work" to damage. */
typedef struct setup {
    char *dir, *pristine, *work;
    const char *query;
} setup;

static void setup_make(setup *s, const char *test, int big)
{
    s->dir = tu_tmpdir(test);
    if (big) {
        char *in = write_big_corpus(s->dir);
        s->pristine = build_index(s->dir, in);
        free(in);
        s->query = BIG_QUERY;
    } else {
        s->pristine = build_index(s->dir, NS_TEST_SRCDIR "/corpus");
        s->query = CORPUS_QUERY;
    }
    s->work = tu_path(s->dir, "work");
    copy_index(s->pristine, s->work);
    /* the pristine index answers and is sound */
    tu_out o = NSEARCH("-i", s->work, s->query);
    cr_assert_eq(o.status, 0, "pristine index: status %d, stderr: %s", o.status, o.err);
    tu_out_free(&o);
    o = NSEARCH("--check", "-i", s->work);
    cr_assert_eq(o.status, 0, "pristine index not sound: %s", o.err);
    tu_out_free(&o);
}

static void setup_free(setup *s)
{
    free(s->work);
    free(s->pristine);
    free(s->dir);
}

/* Failures collected over a sweep, so one report lists every bad case. */
typedef struct fails {
    unsigned n;
    size_t len;
    char msg[4096];
} fails;

__attribute__((format(printf, 2, 3))) static void fail_note(fails *f, const char *fmt, ...)
{
    f->n++;
    if (f->len + 200 >= sizeof f->msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(f->msg + f->len, sizeof f->msg - f->len, fmt, ap);
    va_end(ap);
    if (w > 0)
        f->len += (size_t)w < sizeof f->msg - f->len ? (size_t)w : sizeof f->msg - f->len - 1;
}

static void first_line(const char *s, char *out, size_t cap)
{
    size_t n = strcspn(s, "\n");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
}

/* Runs the query on a damaged index: exit 3 with a message, or 0/1 with
 * consistent output; never a signal, never a hang. */
static void check_query(fails *f, const setup *s, const char *what)
{
    tu_out o = NSEARCH("-i", s->work, s->query);
    char l[160];
    first_line(o.err, l, sizeof l);
    if (o.status >= 128)
        fail_note(f, "  %s: query killed by signal %d%s\n", what, o.status - 128,
                  o.status == 128 + 9 ? " (timeout)" : "");
    else if (o.status == 3 && strncmp(o.err, "nsearch: ", 9) != 0)
        fail_note(f, "  %s: query exit 3 without a message\n", what);
    else if (o.status == 0 && !*o.out)
        fail_note(f, "  %s: query exit 0 with no output\n", what);
    else if (o.status == 1 && *o.out)
        fail_note(f, "  %s: query exit 1 with output\n", what);
    else if (o.status != 0 && o.status != 1 && o.status != 3)
        fail_note(f, "  %s: query exit %d: %s\n", what, o.status, l);
    tu_out_free(&o);
}

/* --check on a damaged index must find the damage. */
static void check_check(fails *f, const setup *s, const char *what)
{
    tu_out o = NSEARCH("--check", "-i", s->work);
    if (o.status >= 128)
        fail_note(f, "  %s: --check killed by signal %d\n", what, o.status - 128);
    else if (o.status != 3)
        fail_note(f, "  %s: --check exit %d (damage not found)\n", what, o.status);
    else if (strncmp(o.err, "nsearch: ", 9) != 0 || strstr(o.out, "is sound"))
        fail_note(f, "  %s: --check exit 3 without naming a problem\n", what);
    tu_out_free(&o);
}

/* Flips single bytes of one file of s->work: every byte of a small file,
 * else the header, the last 64 bytes (trailers and footer) and
 * FLIP_SAMPLES evenly spaced offsets. */
static void flip_sweep(const char *test, int big, ns_file_kind kind)
{
    setup s;
    setup_make(&s, test, big);
    const char *name = ns_file_name(kind);
    char *path = tu_path(s.work, name);
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(path, &n);
    cr_assert_not_null(data);
    cr_assert_gt(n, NS_HEADER_LEN + NS_FOOTER_LEN);
    uint8_t *pick = calloc(n, 1);
    for (size_t i = 0; i < n; i++)
        pick[i] = (n <= SMALL_FILE || i < NS_HEADER_LEN || i >= n - 64) && i % FLIP_STRIDE == 0;
    for (size_t i = 0; i < FLIP_SAMPLES; i++)
        pick[i * n / FLIP_SAMPLES] = 1;
    fails f = {0};
    unsigned runs = 0;
    for (size_t off = 0; off < n; off++) {
        if (!pick[off])
            continue;
        data[off] ^= 0xff;
        cr_assert_eq(tu_write_file(path, data, n), 0);
        data[off] ^= 0xff;
        char what[64];
        snprintf(what, sizeof what, "%s byte %zu of %zu", name, off, n);
        check_query(&f, &s, what);
        check_check(&f, &s, what);
        runs++;
    }
    cr_assert_eq(tu_write_file(path, data, n), 0);
    cr_assert_eq(f.n, 0, "%s (%s index): %u problems over %u flipped bytes:\n%s", name,
                 big ? "large" : "corpus", f.n, runs, f.msg);
    free(pick);
    free(data);
    free(path);
    setup_free(&s);
}

/* Rewrites the footer checksum of buf[0..n) so that only the deliberate
 * change is "damage" (a well-formed file a newer or buggy writer made). */
static void refooter(uint8_t *buf, size_t n)
{
    ns_put_u64le(buf + n - 8, XXH3_64bits(buf, n - NS_FOOTER_LEN));
}

/* Truncates every file at many lengths: exit 3 naming the file. */
static void truncate_sweep(const char *test, int big)
{
    setup s;
    setup_make(&s, test, big);
    fails f = {0};
    unsigned runs = 0;
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        const char *name = ns_file_name((ns_file_kind)k);
        char *path = tu_path(s.work, name);
        size_t n;
        char *data = tu_read_file(path, &n);
        cr_assert_not_null(data);
        size_t lens[40], nl = 0;
        const size_t fixed[] = {0, 1, 8, 31, NS_HEADER_LEN, 33, NS_HEADER_LEN + NS_FOOTER_LEN - 1,
                                NS_HEADER_LEN + NS_FOOTER_LEN, n / 2, n - NS_FOOTER_LEN - 1,
                                n - NS_FOOTER_LEN, n - 1};
        for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
            lens[nl++] = fixed[i];
        for (size_t i = 0; i < 20; i++)
            lens[nl++] = i * n / 20;
        char want1[64], want2[64];
        snprintf(want1, sizeof want1, "/%s'", name);
        snprintf(want2, sizeof want2, "'%s'", name);
        for (size_t i = 0; i < nl; i++) {
            if (lens[i] >= n)
                continue;
            cr_assert_eq(tu_write_file(path, data, lens[i]), 0);
            tu_out o = NSEARCH("-i", s.work, s.query);
            char l[160];
            first_line(o.err, l, sizeof l);
            if (o.status != 3 || (!strstr(o.err, want1) && !strstr(o.err, want2)))
                fail_note(&f, "  %s cut to %zu of %zu bytes: exit %d: %s\n", name, lens[i], n,
                          o.status, l);
            tu_out_free(&o);
            o = NSEARCH("--check", "-i", s.work);
            if (o.status != 3)
                fail_note(&f, "  %s cut to %zu of %zu bytes: --check exit %d\n", name, lens[i], n,
                          o.status);
            tu_out_free(&o);
            runs++;
        }
        cr_assert_eq(tu_write_file(path, data, n), 0);
        free(data);
        free(path);
    }
    cr_assert_eq(f.n, 0, "%u problems over %u truncations:\n%s", f.n, runs, f.msg);
    setup_free(&s);
}

/* ---- truncation ---- */

Test(cli_corrupt, truncated_files_exit_3_naming_the_file, .timeout = 120)
{
    truncate_sweep("truncate_corpus", 0);
}

Test(cli_corrupt, truncated_files_of_a_large_index_exit_3_naming_the_file, .timeout = 120)
{
    truncate_sweep("truncate_big", 1);
}

/* ---- single flipped bytes, per file kind ---- */

#define FLIP_TEST(kind, lower)                                                              \
    Test(cli_corrupt, flipped_byte_in_##lower##_is_survived_and_found, .timeout = 120)      \
    {                                                                                       \
        flip_sweep("flip_" #lower, 0, kind);                                                \
    }                                                                                       \
    Test(cli_corrupt, flipped_byte_in_large_##lower##_is_survived_and_found, .timeout = 120) \
    {                                                                                       \
        flip_sweep("flip_big_" #lower, 1, kind);                                            \
    }

FLIP_TEST(NS_FILE_META, meta)
FLIP_TEST(NS_FILE_TERMS, terms)
FLIP_TEST(NS_FILE_POSTINGS, postings)
FLIP_TEST(NS_FILE_POSITIONS, positions)
FLIP_TEST(NS_FILE_DOCLENS, doclens)
FLIP_TEST(NS_FILE_DOCSTORE, docstore)
FLIP_TEST(NS_FILE_DOCS, docs)

/* Damage that the checksum does not catch (a well-formed file of a buggy
 * writer): bytes of the document table and the docstore changed and the
 * footer recomputed.  Every reader of stored fields (the text and JSON
 * hits, --get) must give an answer or exit 3, never a signal: bounds come
 * from the mapping, not from the bytes.  --check must not crash either
 * (some changes, a letter of a title, are not damage it can see). */
static void stored_damage_sweep(const char *test, ns_file_kind kind)
{
    setup s;
    setup_make(&s, test, 1);
    const char *name = ns_file_name(kind);
    char *path = tu_path(s.work, name);
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(path, &n);
    cr_assert_not_null(data);
    uint8_t *copy = malloc(n);
    fails f = {0};
    unsigned runs = 0;
    size_t payload = n - NS_HEADER_LEN - NS_FOOTER_LEN;
    for (size_t i = 0; i < 160; i++) {
        /* spread over the payload, denser at its end (offsets, trailer) */
        size_t off = NS_HEADER_LEN + (i < 120 ? i * payload / 120 : payload - 1 - (i - 120) * 3);
        static const uint8_t xors[] = {0xff, 0x01, 0x80};
        memcpy(copy, data, n);
        copy[off] ^= xors[i % 3];
        refooter(copy, n);
        cr_assert_eq(tu_write_file(path, copy, n), 0);
        char what[64];
        snprintf(what, sizeof what, "%s byte %zu of %zu (checksum fixed)", name, off, n);
        const char *argvs[][6] = {{"-i", s.work, "-k", "50", s.query, NULL},
                                  {"-i", s.work, "--json", "-k", "50", s.query},
                                  {"-i", s.work, "--get", "doc-0003", NULL, NULL},
                                  {"-i", s.work, "--check", NULL, NULL, NULL}};
        for (size_t a = 0; a < 4; a++) {
            tu_out o = NSEARCH(argvs[a][0], argvs[a][1], argvs[a][2], argvs[a][3], argvs[a][4],
                               argvs[a][5]);
            if (o.status >= 128)
                fail_note(&f, "  %s: '%s' killed by signal %d\n", what, argvs[a][2], o.status - 128);
            else if (o.status != 0 && o.status != 1 && o.status != 3)
                fail_note(&f, "  %s: '%s' exit %d\n", what, argvs[a][2], o.status);
            tu_out_free(&o);
        }
        runs++;
    }
    cr_assert_eq(tu_write_file(path, data, n), 0);
    cr_assert_eq(f.n, 0, "%u problems over %u changes:\n%s", f.n, runs, f.msg);
    free(copy);
    free(data);
    free(path);
    setup_free(&s);
}

Test(cli_corrupt, damaged_document_table_with_a_valid_checksum_never_crashes, .timeout = 240)
{
    stored_damage_sweep("stored_docs", NS_FILE_DOCS);
}

Test(cli_corrupt, damaged_docstore_with_a_valid_checksum_never_crashes, .timeout = 240)
{
    stored_damage_sweep("stored_docstore", NS_FILE_DOCSTORE);
}

/* ---- targeted damage ---- */

/* The footer's second word (bytes size-12..size-9) is neither magic nor
 * checksum; a change there must still be found by --check. */
Test(cli_corrupt, footer_reserved_word_is_covered_by_check)
{
    setup s;
    setup_make(&s, "footer_reserved", 0);
    fails f = {0};
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        const char *name = ns_file_name((ns_file_kind)k);
        char *path = tu_path(s.work, name);
        size_t n;
        char *data = tu_read_file(path, &n);
        for (size_t off = n - 12; off < n - 8; off++) {
            data[off] ^= 0x01;
            cr_assert_eq(tu_write_file(path, data, n), 0);
            data[off] ^= 0x01;
            char what[64];
            snprintf(what, sizeof what, "%s byte %zu of %zu", name, off, n);
            check_query(&f, &s, what);
            check_check(&f, &s, what);
        }
        cr_assert_eq(tu_write_file(path, data, n), 0);
        free(data);
        free(path);
    }
    cr_assert_eq(f.n, 0, "%u problems:\n%s", f.n, f.msg);
    setup_free(&s);
}

/* Bad trailers (with valid checksums) are reported as corrupt, naming the
 * file, on the error path of index opening. */
Test(cli_corrupt, bad_trailers_are_reported_not_crashed_on)
{
    setup s;
    setup_make(&s, "bad_trailers", 0);
    struct {
        ns_file_kind kind;
        size_t from_end; /* offset of the u64 to change, from the payload's end */
        const char *what;
    } cases[] = {
        {NS_FILE_TERMS, NS_DICT_TRAILER_LEN, "terms trailer n_terms"},
        {NS_FILE_TERMS, NS_DICT_TRAILER_LEN - 8, "terms trailer n_blocks"},
        {NS_FILE_TERMS, NS_DICT_TRAILER_LEN - 16, "terms trailer index_off"},
        {NS_FILE_DOCSTORE, NS_DOCSTORE_TRAILER_LEN, "docstore trailer n_docs"},
        {NS_FILE_DOCSTORE, NS_DOCSTORE_TRAILER_LEN - 8, "docstore trailer dict_len"},
        {NS_FILE_DOCSTORE, NS_DOCSTORE_TRAILER_LEN - 16, "docstore trailer offsets_off"},
        {NS_FILE_DOCSTORE, NS_DOCSTORE_TRAILER_LEN - 24, "docstore trailer width"},
        {NS_FILE_DOCS, NS_DOCS_TRAILER_LEN, "docs trailer n_docs"},
        {NS_FILE_DOCS, NS_DOCS_TRAILER_LEN - 8, "docs trailer n_fields"},
        {NS_FILE_DOCS, NS_DOCS_TRAILER_LEN - 16, "docs trailer names_off"},
        {NS_FILE_DOCS, NS_DOCS_TRAILER_LEN - 24, "docs trailer offsets_off"},
        {NS_FILE_DOCS, NS_DOCS_TRAILER_LEN - 32, "docs trailer ids_off"},
        {NS_FILE_DOCS, NS_DOCS_TRAILER_LEN - 40, "docs trailer width"},
        /* after the fixed fields: the keyword list, u32 1, u8 4, "tags" */
        {NS_FILE_META, NS_META_PAYLOAD_LEN + 9 - NS_META_OFF_N_TERMS, "meta n_terms"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *name = ns_file_name(cases[i].kind);
        char *path = tu_path(s.work, name);
        size_t n;
        uint8_t *data = (uint8_t *)tu_read_file(path, &n);
        uint8_t *copy = malloc(n);
        memcpy(copy, data, n);
        uint8_t *p = copy + n - NS_FOOTER_LEN - cases[i].from_end;
        ns_put_u64le(p, ns_get_u64le(p) + 1000003);
        refooter(copy, n);
        cr_assert_eq(tu_write_file(path, copy, n), 0);
        tu_out o = NSEARCH("-i", s.work, s.query);
        cr_assert_lt(o.status, 128, "%s: killed by signal %d", cases[i].what, o.status - 128);
        cr_assert_eq(o.status, 3, "%s: status %d, stderr: %s", cases[i].what, o.status, o.err);
        cr_assert(strstr(o.err, "corrupt"), "%s: stderr: %s", cases[i].what, o.err);
        cr_assert(strstr(o.err, "/terms'") || strstr(o.err, "/docstore'") || strstr(o.err, "/docs'"),
                  "%s: stderr: %s",
                  cases[i].what, o.err);
        tu_out_free(&o);
        o = NSEARCH("--check", "-i", s.work);
        cr_assert_eq(o.status, 3, "%s: --check status %d", cases[i].what, o.status);
        tu_out_free(&o);
        cr_assert_eq(tu_write_file(path, data, n), 0);
        free(copy);
        free(data);
        free(path);
    }
    setup_free(&s);
}

Test(cli_corrupt, file_of_the_wrong_kind_exits_3)
{
    setup s;
    setup_make(&s, "wrong_kind", 0);
    const ns_file_kind pairs[][2] = {
        {NS_FILE_POSTINGS, NS_FILE_TERMS},    {NS_FILE_DOCLENS, NS_FILE_META},
        {NS_FILE_TERMS, NS_FILE_DOCSTORE},    {NS_FILE_POSITIONS, NS_FILE_POSTINGS},
        {NS_FILE_META, NS_FILE_DOCLENS},      {NS_FILE_DOCSTORE, NS_FILE_POSITIONS},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const char *from = ns_file_name(pairs[i][0]), *to = ns_file_name(pairs[i][1]);
        char *src = tu_path(s.pristine, from), *dst = tu_path(s.work, to);
        size_t n, m;
        char *data = tu_read_file(src, &n), *orig = tu_read_file(dst, &m);
        cr_assert_eq(tu_write_file(dst, data, n), 0);
        char want[64];
        snprintf(want, sizeof want, "/%s'", to);
        tu_out o = NSEARCH("-i", s.work, s.query);
        cr_assert_eq(o.status, 3, "%s over %s: status %d", from, to, o.status);
        cr_assert(strstr(o.err, want), "%s over %s: stderr: %s", from, to, o.err);
        cr_assert(strstr(o.err, "kind"), "%s over %s: stderr: %s", from, to, o.err);
        tu_out_free(&o);
        o = NSEARCH("--check", "-i", s.work);
        cr_assert_eq(o.status, 3, "%s over %s: --check status %d", from, to, o.status);
        tu_out_free(&o);
        cr_assert_eq(tu_write_file(dst, orig, m), 0);
        free(orig);
        free(data);
        free(dst);
        free(src);
    }
    setup_free(&s);
}

/* Changes the header field at byte off (u16 or u32, `width` bytes) of
 * each file in turn to bump(kind, old value), with a valid checksum: a
 * query and --check must exit 3 with stderr naming the file and holding
 * want_fmt (a printf format of the new value). */
static void header_field_is_refused(const char *test, size_t off, unsigned width,
                                    uint32_t (*bump)(ns_file_kind kind, uint32_t old),
                                    const char *want_fmt)
{
    setup s;
    setup_make(&s, test, 0);
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        const char *name = ns_file_name((ns_file_kind)k);
        char *path = tu_path(s.work, name);
        size_t n;
        uint8_t *data = (uint8_t *)tu_read_file(path, &n);
        uint8_t *copy = malloc(n);
        memcpy(copy, data, n);
        uint32_t old = width == 2 ? ns_get_u16le(copy + off) : ns_get_u32le(copy + off);
        uint32_t v = bump((ns_file_kind)k, old);
        if (width == 2)
            ns_put_u16le(copy + off, (uint16_t)v);
        else
            ns_put_u32le(copy + off, v);
        refooter(copy, n);
        cr_assert_eq(tu_write_file(path, copy, n), 0);
        char want[128];
        snprintf(want, sizeof want, want_fmt, v);
        tu_out o = NSEARCH("-i", s.work, s.query);
        cr_assert_eq(o.status, 3, "%s: status %d", name, o.status);
        cr_assert(strstr(o.err, want), "%s: no '%s' in: %s", name, want, o.err);
        cr_assert(strstr(o.err, name), "%s: file not named: %s", name, o.err);
        tu_out_free(&o);
        o = NSEARCH("--check", "-i", s.work);
        cr_assert_eq(o.status, 3, "%s: --check status %d", name, o.status);
        cr_assert(strstr(o.err, want), "%s: --check: %s", name, o.err);
        tu_out_free(&o);
        cr_assert_eq(tu_write_file(path, data, n), 0);
        free(copy);
        free(data);
        free(path);
    }
    setup_free(&s);
}

static uint32_t next_major(ns_file_kind kind, uint32_t old)
{
    (void)kind;
    cr_assert_eq(old, NS_FORMAT_MAJOR);
    return NS_FORMAT_MAJOR + 1;
}

Test(cli_corrupt, newer_major_version_exits_3_with_a_version_message)
{
    header_field_is_refused("newer_major", 8, 2, next_major, "version %u.");
}

/* A codec id other than the one the file kind carries (meta 0 -> 7,
 * postings 1 -> 6, docstore 2 -> 5, ...): an index of a newer writer. */
static uint32_t unknown_codec(ns_file_kind kind, uint32_t old)
{
    cr_assert_eq(old, ns_file_codec(kind));
    return old ^ 7u;
}

Test(cli_corrupt, unknown_codec_exits_3_with_a_codec_message)
{
    header_field_is_refused("unknown_codec", 16, 4, unknown_codec,
                            "uses codec %u, which this nsearch cannot read");
}

/* Minor versions only add: a reader accepts a newer minor. */
Test(cli_corrupt, newer_minor_version_is_read)
{
    setup s;
    setup_make(&s, "newer_minor", 0);
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        char *path = tu_path(s.work, ns_file_name((ns_file_kind)k));
        size_t n;
        uint8_t *data = (uint8_t *)tu_read_file(path, &n);
        ns_put_u16le(data + 10, (uint16_t)(NS_FORMAT_MINOR + 1));
        refooter(data, n);
        cr_assert_eq(tu_write_file(path, data, n), 0);
        free(data);
        free(path);
    }
    tu_out o = NSEARCH("-i", s.work, s.query);
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    tu_out_free(&o);
    o = NSEARCH("--check", "-i", s.work);
    cr_assert_eq(o.status, 0, "status %d, stderr: %s", o.status, o.err);
    tu_out_free(&o);
    setup_free(&s);
}

Test(cli_corrupt, missing_file_exits_3_naming_it)
{
    setup s;
    setup_make(&s, "missing_file", 0);
    for (int k = 1; k <= NS_FILE_KIND_COUNT; k++) {
        const char *name = ns_file_name((ns_file_kind)k);
        char *path = tu_path(s.work, name);
        size_t n;
        char *data = tu_read_file(path, &n);
        cr_assert_eq(remove(path), 0);
        tu_out o = NSEARCH("-i", s.work, s.query);
        cr_assert_eq(o.status, 3, "%s: status %d", name, o.status);
        cr_assert(strstr(o.err, name), "%s: stderr: %s", name, o.err);
        tu_out_free(&o);
        cr_assert_eq(tu_write_file(path, data, n), 0);
        free(data);
        free(path);
    }
    setup_free(&s);
}
