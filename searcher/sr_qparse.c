/* sr_qparse: recursive descent over the query syntax (see sr_qparse.h).
 *
 *   or_expr  := and_expr (('OR' | juxtaposition when the default is OR) and_expr)*
 *   and_expr := unary (('AND' | juxtaposition when the default is AND) unary)*
 *   unary    := ('+' | '-' | 'NOT')? primary
 *   primary  := '(' or_expr ')' | phrase ('~' digits)? | word | NAME ':' primary
 */
#include "sr_qparse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ns_alloc.h"

typedef struct qp {
    const char *s;
    size_t n, i;
    bool default_and;
    ns_err *err;
    ns_rc rc; /* first error */
} qp;

size_t sr_qp_column(const char *text, size_t off)
{
    size_t col = 1;
    for (size_t i = 0; i < off; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            col++;
    return col;
}

__attribute__((format(printf, 3, 4))) static sr_qp_node *fail(qp *p, size_t at, const char *fmt, ...)
{
    if (p->rc)
        return NULL;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->rc = ns_err_set(p->err, NS_E_ARG, "column %zu: %s", sr_qp_column(p->s, at), msg);
    return NULL;
}

static sr_qp_node *nomem(qp *p)
{
    if (!p->rc)
        p->rc = ns_err_set(p->err, NS_E_NOMEM, "out of memory");
    return NULL;
}

void sr_qp_free(sr_qp_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_kids; i++)
        sr_qp_free(n->kids[i]);
    ns_free(n->kids);
    ns_free(n->field);
    ns_free(n->text);
    ns_free(n);
}

static sr_qp_node *new_node(qp *p, sr_qp_kind kind, size_t at)
{
    sr_qp_node *n = ns_calloc(1, sizeof *n);
    if (!n)
        return nomem(p);
    n->kind = kind;
    n->at = at;
    n->op_at = at;
    n->end = at;
    return n;
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static void skip_ws(qp *p)
{
    while (p->i < p->n && is_ws(p->s[p->i]))
        p->i++;
}

/* A character that ends a word: white space, a parenthesis, a quote. */
static int is_delim(const qp *p, size_t i)
{
    return i >= p->n || is_ws(p->s[i]) || p->s[i] == '(' || p->s[i] == ')' || p->s[i] == '"';
}

/* Where an operand may start: not the end, not white space, not ')'. */
static int operand_at(const qp *p, size_t i)
{
    return i < p->n && !is_ws(p->s[i]) && p->s[i] != ')';
}

/* The keyword at i: "AND", "OR", "NOT" standing alone. */
enum { KW_NONE, KW_AND, KW_OR, KW_NOT };
static int keyword_at(const qp *p, size_t i)
{
    static const char *const kw[] = {NULL, "AND", "OR", "NOT"};
    for (int k = KW_AND; k <= KW_NOT; k++) {
        size_t l = strlen(kw[k]);
        if (p->n - i >= l && !memcmp(p->s + i, kw[k], l) && is_delim(p, i + l))
            return k;
    }
    return KW_NONE;
}

/* A modifier at i: '+' or '-' directly before an operand, or NOT. */
static int modifier_at(const qp *p, size_t i, size_t *len)
{
    if (i >= p->n)
        return SR_QP_PLAIN;
    if ((p->s[i] == '+' || p->s[i] == '-') && operand_at(p, i + 1)) {
        *len = 1;
        return p->s[i] == '+' ? SR_QP_MUST : SR_QP_NOT;
    }
    if (keyword_at(p, i) == KW_NOT) {
        *len = 3;
        return SR_QP_NOT;
    }
    return SR_QP_PLAIN;
}

/* Length of the UTF-8 sequence starting with byte c (1 for an invalid one). */
static size_t seq_len(unsigned char c)
{
    return c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* Copies the escaped text s[from, to) with '\' escapes removed into an
 * owned string. */
static char *unescape(qp *p, size_t from, size_t to, size_t *out_len)
{
    char *t = ns_malloc(to - from + 1);
    if (!t) {
        nomem(p);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        if (p->s[i] == '\\' && i + 1 < to)
            i++;
        t[n++] = p->s[i];
    }
    t[n] = 0;
    *out_len = n;
    return t;
}

static size_t count_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static sr_qp_node *parse_or(qp *p, int depth);

static int has_field(const sr_qp_node *n)
{
    if (n->field)
        return 1;
    for (size_t i = 0; i < n->n_kids; i++)
        if (has_field(n->kids[i]))
            return 1;
    return 0;
}

static sr_qp_node *parse_phrase(qp *p)
{
    size_t at = p->i, i = p->i + 1;
    while (i < p->n && p->s[i] != '"')
        i += p->s[i] == '\\' && i + 1 < p->n ? 2 : 1;
    if (i >= p->n)
        return fail(p, at, "'\"' is never closed: expected a closing '\"' (or write \\\" for a "
                           "quote character)");
    sr_qp_node *n = new_node(p, SR_QP_PHRASE, at);
    if (!n)
        return NULL;
    n->text = unescape(p, at + 1, i, &n->len);
    p->i = i + 1;
    if (n->text && p->i < p->n && p->s[p->i] == '~') {
        size_t t = p->i++;
        uint64_t v = 0;
        size_t d0 = p->i;
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9' && v <= SR_QP_MAX_SLOP)
            v = v * 10 + (uint64_t)(p->s[p->i++] - '0');
        if (p->i == d0) {
            sr_qp_free(n);
            return fail(p, t, "expected a number after '~' (\"words near\"~5)");
        }
        if (v > SR_QP_MAX_SLOP) {
            sr_qp_free(n);
            return fail(p, d0, "the slop after '~' is at most %u", SR_QP_MAX_SLOP);
        }
        n->sloppy = true;
        n->slop = (uint32_t)v;
    }
    if (!n->text) {
        sr_qp_free(n);
        return NULL;
    }
    if (!is_delim(p, p->i) && p->s[p->i] != '"') {
        size_t at2 = p->i;
        sr_qp_free(n);
        return fail(p, at2, "expected a space or ')' after the phrase's closing '\"'");
    }
    n->end = p->i;
    return n;
}

/* A word (or prefix) from p->i to the next delimiter. */
static sr_qp_node *parse_word(qp *p)
{
    size_t at = p->i, i = p->i;
    while (!is_delim(p, i)) {
        if (p->s[i] == '\\') {
            if (i + 1 >= p->n)
                return fail(p, i, "'\\' at the end of the query: nothing to escape");
            i += 1 + seq_len((unsigned char)p->s[i + 1]);
            if (i > p->n)
                i = p->n;
        } else {
            i++;
        }
    }
    size_t end = i;
    bool prefix = end - at >= 2 && p->s[end - 1] == '*' && p->s[end - 2] != '\\';
    sr_qp_node *n = new_node(p, prefix ? SR_QP_PREFIX : SR_QP_WORD, at);
    if (!n)
        return NULL;
    n->text = unescape(p, at, prefix ? end - 1 : end, &n->len);
    p->i = end;
    n->end = end;
    if (!n->text) {
        sr_qp_free(n);
        return NULL;
    }
    if (prefix && count_chars(n->text, n->len) < 2) {
        sr_qp_free(n);
        return fail(p, at, "a prefix needs at least 2 characters before '*'");
    }
    return n;
}

/* The length of a field name NAME followed by ':' at p->i, or 0. */
static size_t field_at(const qp *p)
{
    size_t i = p->i;
    char c = i < p->n ? p->s[i] : 0;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
        return 0;
    for (i++; i < p->n; i++) {
        c = p->s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            break;
    }
    return i < p->n && p->s[i] == ':' ? i - p->i : 0;
}

static sr_qp_node *parse_primary(qp *p, int depth)
{
    size_t at = p->i;
    if (p->i >= p->n)
        return fail(p, at, "expected a word, a phrase or '(' at the end of the query");
    int kw = keyword_at(p, p->i);
    if (kw == KW_AND || kw == KW_OR)
        return fail(p, at, "expected a word, a phrase or '(', found '%s' (write \\%s or "
                           "lower case to search for the word)",
                    kw == KW_AND ? "AND" : "OR", kw == KW_AND ? "AND" : "OR");
    char c = p->s[p->i];
    if (c == ')')
        return fail(p, at, "')' without a matching '('");
    if (c == '(') {
        if (depth >= SR_QP_MAX_DEPTH)
            return fail(p, at, "parentheses nested deeper than %d", SR_QP_MAX_DEPTH);
        p->i++;
        sr_qp_node *g = parse_or(p, depth + 1);
        if (p->rc) {
            sr_qp_free(g);
            return NULL;
        }
        skip_ws(p);
        if (p->i >= p->n || p->s[p->i] != ')') {
            sr_qp_free(g);
            return fail(p, at, "'(' is never closed: expected ')'");
        }
        p->i++;
        if (!g)
            return fail(p, at, "empty parentheses: expected a word or a phrase inside");
        if (g->mod != SR_QP_PLAIN) { /* (-x): a group of one, checked for exclusions only */
            sr_qp_node *w = new_node(p, SR_QP_GROUP, at);
            sr_qp_node **k = ns_malloc(sizeof *k);
            if (!w || !k) {
                ns_free(w);
                ns_free(k);
                sr_qp_free(g);
                return nomem(p);
            }
            k[0] = g;
            w->kids = k;
            w->n_kids = 1;
            g = w;
        }
        g->paren = true;
        g->at = at;
        g->op_at = at;
        g->end = p->i;
        return g;
    }
    if (c == '"')
        return parse_phrase(p);
    size_t fl = field_at(p);
    if (fl) {
        char *field = ns_malloc(fl + 1);
        if (!field)
            return nomem(p);
        memcpy(field, p->s + p->i, fl);
        field[fl] = 0;
        p->i += fl + 1;
        sr_qp_node *n = NULL;
        if (!operand_at(p, p->i) || p->s[p->i] == ')')
            fail(p, at, "empty field scope '%s:': expected a word, a phrase or '(' right after it",
                 field);
        else if (p->s[p->i] == '(')
            n = parse_primary(p, depth);
        else if (p->s[p->i] == '"')
            n = parse_phrase(p);
        else
            n = parse_word(p);
        if (n && has_field(n)) {
            sr_qp_free(n);
            n = NULL;
            fail(p, at, "a field scope inside the field scope '%s:'", field);
        }
        if (!n) {
            ns_free(field);
            return NULL;
        }
        n->field = field;
        n->at = at;
        n->op_at = at;
        return n;
    }
    return parse_word(p);
}

static sr_qp_node *parse_unary(qp *p, int depth)
{
    size_t at = p->i, ml = 0;
    int mod = modifier_at(p, p->i, &ml);
    if (mod != SR_QP_PLAIN) {
        p->i += ml;
        skip_ws(p); /* NOT x; +x and -x have no space */
        size_t l2;
        if (modifier_at(p, p->i, &l2) != SR_QP_PLAIN)
            return fail(p, p->i, "two operators in a row: expected a word, a phrase or '(' "
                                 "after '%.*s'", (int)ml, p->s + at);
        if (!operand_at(p, p->i) || keyword_at(p, p->i))
            return fail(p, at, "'%.*s' with nothing after it: expected a word, a phrase or '('",
                        (int)ml, p->s + at);
    }
    sr_qp_node *n = parse_primary(p, depth);
    if (!n)
        return NULL;
    if (mod != SR_QP_PLAIN) {
        n->mod = (sr_qp_mod)mod; /* n->at stays at the operand: --show-query prints the operator */
        n->op_at = at;
    }
    return n;
}

/* Appends kid to *ops. */
static int push(qp *p, sr_qp_node ***ops, size_t *n, size_t *cap, sr_qp_node *kid)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        sr_qp_node **t = ns_realloc(*ops, nc * sizeof *t);
        if (!t) {
            nomem(p);
            return -1;
        }
        *ops = t;
        *cap = nc;
    }
    (*ops)[(*n)++] = kid;
    return 0;
}

/* The operands as one node: the operand itself, or a group. */
static sr_qp_node *make_group(qp *p, sr_qp_node **ops, size_t n, bool and_group)
{
    if (p->rc || n == 0) {
        for (size_t i = 0; i < n; i++)
            sr_qp_free(ops[i]);
        ns_free(ops);
        return NULL;
    }
    if (n == 1) {
        sr_qp_node *only = ops[0];
        ns_free(ops);
        return only;
    }
    sr_qp_node *g = new_node(p, SR_QP_GROUP, ops[0]->op_at);
    if (!g) {
        for (size_t i = 0; i < n; i++)
            sr_qp_free(ops[i]);
        ns_free(ops);
        return NULL;
    }
    g->and_group = and_group;
    g->kids = ops;
    g->n_kids = n;
    g->end = ops[n - 1]->end;
    return g;
}

/* Another operand follows at p->i (no keyword but NOT). */
static int operand_follows(const qp *p)
{
    int kw = keyword_at(p, p->i);
    return operand_at(p, p->i) && kw != KW_AND && kw != KW_OR;
}

static sr_qp_node *parse_and(qp *p, int depth)
{
    sr_qp_node **ops = NULL;
    size_t n = 0, cap = 0;
    sr_qp_node *u = parse_unary(p, depth);
    if (!u || push(p, &ops, &n, &cap, u)) {
        sr_qp_free(u);
        return make_group(p, ops, n, true);
    }
    for (;;) {
        skip_ws(p);
        size_t at = p->i;
        if (keyword_at(p, p->i) == KW_AND) {
            p->i += 3;
            skip_ws(p);
            if (!operand_follows(p)) {
                fail(p, at, "'AND' with nothing after it: expected a word, a phrase or '('");
                break;
            }
        } else if (!(p->default_and && operand_follows(p))) {
            break;
        }
        u = parse_unary(p, depth);
        if (!u || push(p, &ops, &n, &cap, u)) {
            sr_qp_free(u);
            break;
        }
    }
    return make_group(p, ops, n, true);
}

/* A group whose operands are all excluded matches nothing. */
static int only_excludes(const sr_qp_node *g)
{
    for (size_t i = 0; i < g->n_kids; i++)
        if (g->kids[i]->mod != SR_QP_NOT)
            return 0;
    return 1;
}

static sr_qp_node *parse_or(qp *p, int depth)
{
    sr_qp_node **ops = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        skip_ws(p);
        size_t at = p->i;
        if (p->i >= p->n || p->s[p->i] == ')')
            break;
        int kw = keyword_at(p, p->i);
        if (kw == KW_OR || kw == KW_AND) {
            if (n == 0) {
                fail(p, at, "'%s' with nothing before it: expected a word, a phrase or '(' first",
                     kw == KW_OR ? "OR" : "AND");
                break;
            }
            if (kw == KW_AND) { /* only after an operand that parse_and left: cannot happen */
                fail(p, at, "unexpected 'AND'");
                break;
            }
            p->i += 2;
            skip_ws(p);
            if (!operand_follows(p)) {
                fail(p, at, "'OR' with nothing after it: expected a word, a phrase or '('");
                break;
            }
        } else if (n > 0 && p->default_and) {
            break; /* parse_and took every juxtaposed operand */
        }
        sr_qp_node *a = parse_and(p, depth);
        if (!a || push(p, &ops, &n, &cap, a)) {
            sr_qp_free(a);
            break;
        }
    }
    return make_group(p, ops, n, false);
}

/* Checks every group (and the whole query) for exclusions only. */
static void check_groups(qp *p, const sr_qp_node *n)
{
    if (n->kind != SR_QP_GROUP)
        return;
    if (only_excludes(n))
        fail(p, n->at, "only exclusions: nothing to search for (add a word that may or must "
                       "occur)");
    for (size_t i = 0; i < n->n_kids; i++)
        check_groups(p, n->kids[i]);
}

ns_rc sr_qp_parse(const char *text, size_t len, bool default_and, sr_qp_node **root, ns_err *err)
{
    *root = NULL;
    if (len > SR_QP_MAX_BYTES)
        return ns_err_set(err, NS_E_LIMIT, "the query is longer than %u bytes", SR_QP_MAX_BYTES);
    qp p = {text, len, 0, default_and, err, NS_OK};
    sr_qp_node *r = parse_or(&p, 0);
    if (!p.rc && p.i < p.n) /* only a ')' stops parse_or at depth 0 */
        fail(&p, p.i, "')' without a matching '('");
    if (!p.rc && r) {
        if (r->mod == SR_QP_NOT)
            fail(&p, r->op_at, "only exclusions: nothing to search for (add a word that may or "
                            "must occur)");
        else
            check_groups(&p, r);
    }
    if (p.rc) {
        sr_qp_free(r);
        return p.rc;
    }
    *root = r;
    return NS_OK;
}
