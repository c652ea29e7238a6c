/* sr_qparse: the query syntax, parsed into a tree of what was typed (no
 * analysis, no index: sr_query turns the tree into terms).
 *
 *   word word        the default operator (OR, or AND with default_and)
 *   "a phrase"       words at consecutive positions (after analysis)
 *   "a phrase"~N     all the words within N positions of slop, any order
 *   +x  -x  NOT x    x must occur / must not occur (NOT is upper case)
 *   x AND y  x OR y  upper case; precedence NOT > AND > OR; ( ) group
 *   field:x          x (a word, phrase, prefix or group) in that field
 *   pre*             every term that starts with "pre" (>= 2 characters)
 *   \c               the character c taken literally
 *
 * Juxtaposition is the default operator with that operator's precedence:
 * "a b AND c" is a OR (b AND c); with default_and, "a b OR c" is
 * (a AND b) OR c.  A negated operand (-x, NOT x) is excluded from the group
 * it is in, whichever operator joins it: "a OR NOT b" and "a AND NOT b"
 * both mean a without b; a group of exclusions only is an error.  '+' and
 * '-' are operators only directly before an operand: a lone "-" is a
 * character (it analyses to nothing).  A word is a field scope when it is
 * NAME: with NAME a letter or '_' followed by letters, digits, '_', '.' or
 * '-' (so "12:30" is a word); "AND", "OR", "NOT" are operators only when
 * unescaped and unquoted.  Lower-case and, or, not are words.
 *
 * Errors (NS_E_ARG, err->msg "column C: ..."): an unbalanced quote or
 * parenthesis, an operator with nothing after it, AND/OR with nothing
 * before, two modifiers in a row, an empty field scope, a field inside a
 * field, a bad slop, a '*' prefix shorter than 2 characters, nesting
 * deeper than SR_QP_MAX_DEPTH, a query of more than SR_QP_MAX_BYTES. */
#ifndef SR_QPARSE_H
#define SR_QPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ns_err.h"

#define SR_QP_MAX_DEPTH 32
#define SR_QP_MAX_BYTES (1u << 20)
#define SR_QP_MAX_SLOP 100000u

typedef enum { SR_QP_WORD, SR_QP_PHRASE, SR_QP_PREFIX, SR_QP_GROUP } sr_qp_kind;
typedef enum { SR_QP_PLAIN, SR_QP_MUST, SR_QP_NOT } sr_qp_mod;

typedef struct sr_qp_node {
    sr_qp_kind kind;
    sr_qp_mod mod;    /* the operator written before it (+, -, NOT) */
    bool and_group;   /* GROUP: its operands are joined by AND (else OR) */
    bool paren;       /* GROUP: written in parentheses */
    bool sloppy;      /* PHRASE: ~N given */
    uint32_t slop;    /* PHRASE with sloppy: N */
    char *field;      /* owned, NUL-terminated; NULL when no scope was written */
    char *text;       /* owned: WORD, PHRASE, PREFIX (without '*'): the text, escapes removed */
    size_t len;
    size_t at, end;   /* byte range [at, end) of the node in the query */
    size_t op_at;     /* where its operator (+, -, NOT) starts, else at */
    struct sr_qp_node **kids; /* owned: GROUP's operands in order */
    size_t n_kids;
} sr_qp_node;

/* Parses text[0..len) (any bytes; invalid UTF-8 is kept as it is for the
 * analyzer).  Returns NS_OK with *root (owned, free with sr_qp_free; NULL
 * when the query holds no operand at all, e.g. only spaces); NS_E_ARG with
 * err->msg "column C: ..." naming the problem and what was expected, C
 * counting characters from 1; NS_E_NOMEM. */
ns_rc sr_qp_parse(const char *text, size_t len, bool default_and, sr_qp_node **root, ns_err *err);
void sr_qp_free(sr_qp_node *n);

/* The 1-based character column of byte offset off in text (UTF-8 lead
 * bytes counted; an invalid byte counts as one character). */
size_t sr_qp_column(const char *text, size_t off);

#endif
