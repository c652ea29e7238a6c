/* srv_api: the endpoints of nsearch serve (see srv_api.h). */
#include "srv_api.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "srv_assets.h"

#define JSON_TYPE "application/json; charset=utf-8"

uint64_t srv_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char nomem_body[] =
    "{\"error\":{\"status\":503,\"code\":\"overloaded\",\"message\":\"out of memory\"}}\n";

/* Out of memory while writing rs: a static 503 instead. */
static void finish(srv_response *rs)
{
    if (!rs->body.failed)
        return;
    srv_buf_release(&rs->body);
    rs->status = 503;
    rs->type = JSON_TYPE;
    rs->body.p = (char *)nomem_body;
    rs->body.len = sizeof nomem_body - 1;
    rs->static_body = 1;
}

void srv_api_error(srv_response *rs, int status, const char *code, size_t column,
                   const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    srv_buf_release(&rs->body);
    rs->status = status;
    rs->type = JSON_TYPE;
    srv_buf_printf(&rs->body, "{\"error\":{\"status\":%d,\"code\":\"%s\",\"message\":", status,
                   code);
    srv_buf_json(&rs->body, msg, strlen(msg));
    if (column)
        srv_buf_printf(&rs->body, ",\"column\":%zu", column);
    srv_buf_puts(&rs->body, "}}\n");
    finish(rs);
}

/* A library failure as an HTTP error. */
static void library_error(srv_response *rs, const nsearch_error *e)
{
    switch (e->rc) {
    case NSEARCH_E_QUERY: {
        /* the message begins "column N: " (nsearch.h) */
        size_t col = 0;
        const char *m = e->message;
        if (strncmp(m, "column ", 7) == 0)
            col = (size_t)strtoul(m + 7, NULL, 10);
        srv_api_error(rs, 400, "bad_query", col, "%s", m);
        return;
    }
    case NSEARCH_E_LIMIT: srv_api_error(rs, 400, "bad_query", 0, "%s", e->message); return;
    case NSEARCH_E_NOTFOUND: srv_api_error(rs, 404, "not_found", 0, "%s", e->message); return;
    case NSEARCH_E_NOMEM: srv_api_error(rs, 503, "overloaded", 0, "%s", e->message); return;
    case NSEARCH_E_CORRUPT:
    case NSEARCH_E_IO:
    case NSEARCH_E_VERSION:
    case NSEARCH_E_NOT_INDEX:
        srv_api_error(rs, 500, "index_error", 0, "%s", e->message);
        return;
    default: srv_api_error(rs, 500, "internal", 0, "%s", e->message); return;
    }
}

/* ---- /search's arguments ------------------------------------------------- */

typedef struct search_args {
    const char *q;
    size_t q_len;
    int have_q;
    size_t k, offset, total_limit;
    int all, expand, explain, literal, snippets;
    char fields[1024]; /* comma-separated; "" with fields_set: none */
    int fields_set;
} search_args;

static const char known_params[] =
    "q, k, offset, all, expand, explain, literal, snippets, fields, total_limit";

static int parse_size(const char *s, size_t n, size_t max, size_t *out)
{
    if (n == 0 || n > 19)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_flag(const char *s, size_t n, int *out)
{
    if ((n == 1 && *s == '1') || (n == 4 && memcmp(s, "true", 4) == 0))
        *out = 1;
    else if ((n == 1 && *s == '0') || (n == 5 && memcmp(s, "false", 5) == 0))
        *out = 0;
    else
        return -1;
    return 0;
}

/* A fields list: names separated by commas, each as a stored member name
 * (no comma inside). */
static int set_fields(search_args *a, const char *s, size_t n, srv_response *rs)
{
    size_t len = strlen(a->fields);
    if (len + n + 2 > sizeof a->fields) {
        srv_api_error(rs, 400, "bad_parameter", 0, "fields is longer than %zu bytes",
                      sizeof a->fields - 2);
        return -1;
    }
    if (len && n)
        a->fields[len++] = ',';
    memcpy(a->fields + len, s, n);
    a->fields[len + n] = 0;
    a->fields_set = 1;
    return 0;
}

static int check_limits(const srv_api *api, search_args *a, srv_response *rs, int post)
{
    if (!a->have_q) {
        srv_api_error(rs, 400, "bad_parameter", 0, "the parameter q (the query) is missing");
        return -1;
    }
    if (a->q_len > api->limits.max_query) {
        srv_api_error(rs, post ? 413 : 414, post ? "too_large" : "uri_too_long", 0,
                      "q is %zu bytes: the limit is %zu", a->q_len, api->limits.max_query);
        return -1;
    }
    if (memchr(a->q, 0, a->q_len)) {
        srv_api_error(rs, 400, "bad_parameter", 0, "q holds a NUL character");
        return -1;
    }
    return 0;
}

static int bad_value(srv_response *rs, const char *key, size_t key_len, const srv_api *api)
{
    if (key_len == 1 && *key == 'k')
        srv_api_error(rs, 400, "bad_parameter", 0, "k must be a whole number from 0 to %zu",
                      api->limits.max_k);
    else if (key_len == 11 && memcmp(key, "total_limit", 11) == 0)
        srv_api_error(rs, 400, "bad_parameter", 0,
                      "total_limit must be a whole number from 0 (count all) to 1000000000");
    else if (key_len == 6 && memcmp(key, "offset", 6) == 0)
        srv_api_error(rs, 400, "bad_parameter", 0, "offset must be a whole number from 0 to %zu",
                      api->limits.max_offset);
    else
        srv_api_error(rs, 400, "bad_parameter", 0, "%.*s must be true or false (or 1 or 0)",
                      (int)key_len, key);
    return -1;
}

/* One argument, from the query string or the JSON body (flags and numbers
 * as text). */
static int set_arg(const srv_api *api, search_args *a, const char *key, size_t key_len,
                   const char *v, size_t n, srv_response *rs)
{
#define IS(name) (key_len == sizeof name - 1 && memcmp(key, name, key_len) == 0)
    if (IS("q")) {
        a->q = v;
        a->q_len = n;
        a->have_q = 1;
        return 0;
    }
    if (IS("k"))
        return parse_size(v, n, api->limits.max_k, &a->k) ? bad_value(rs, key, key_len, api) : 0;
    if (IS("offset"))
        return parse_size(v, n, api->limits.max_offset, &a->offset)
                   ? bad_value(rs, key, key_len, api)
                   : 0;
    if (IS("total_limit"))
        return parse_size(v, n, 1000000000, &a->total_limit) ? bad_value(rs, key, key_len, api)
                                                              : 0;
    int *flag = IS("all")        ? &a->all
                : IS("expand")   ? &a->expand
                : IS("explain")  ? &a->explain
                : IS("literal")  ? &a->literal
                : IS("snippets") ? &a->snippets
                                 : NULL;
    if (flag)
        return parse_flag(v, n, flag) ? bad_value(rs, key, key_len, api) : 0;
    if (IS("fields"))
        return set_fields(a, v, n, rs);
#undef IS
    char *shown = cli_safe(key, key_len, NSEARCH_ESCAPE_NAME);
    srv_api_error(rs, 400, "bad_parameter", 0, "unknown parameter '%s' (known: %s)",
                  shown ? shown : "?", known_params);
    nsearch_free(shown);
    return -1;
}

static void args_init(search_args *a)
{
    memset(a, 0, sizeof *a);
    a->k = 10;
    a->snippets = 1;
    a->total_limit = SRV_TOTAL_LIMIT;
}

/* The JSON body of POST /search: an object of the same arguments, flags as
 * booleans, k and offset as numbers, fields as an array of strings (or one
 * comma-separated string).  Returns the parsed body (owned: json_decref) or
 * NULL with rs set. */
static json_t *body_args(const srv_api *api, const srv_request *rq, search_args *a,
                         srv_response *rs)
{
    json_error_t je;
    json_t *root = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        srv_api_error(rs, 400, "bad_parameter", je.column > 0 ? (size_t)je.column : 0,
                      "the body is not JSON: line %d, column %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        srv_api_error(rs, 400, "bad_parameter", 0, "the body must be a JSON object");
        json_decref(root);
        return NULL;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        size_t kl = strlen(key);
        int text = strcmp(key, "q") == 0 || strcmp(key, "fields") == 0;
        int number = strcmp(key, "k") == 0 || strcmp(key, "offset") == 0 ||
                     strcmp(key, "total_limit") == 0;
        char num[32];
        int rc = 0;
        if (text && json_is_string(v)) {
            rc = set_arg(api, a, key, kl, json_string_value(v), json_string_length(v), rs);
        } else if (strcmp(key, "fields") == 0 && json_is_array(v)) {
            size_t i;
            json_t *e;
            a->fields_set = 1;
            json_array_foreach(v, i, e)
            {
                if (!json_is_string(e)) {
                    srv_api_error(rs, 400, "bad_parameter", 0, "fields must hold strings");
                    rc = -1;
                    break;
                }
                if ((rc = set_fields(a, json_string_value(e), json_string_length(e), rs)))
                    break;
            }
        } else if (text) {
            srv_api_error(rs, 400, "bad_parameter", 0, "%s must be a string", key);
            rc = -1;
        } else if (number && json_is_integer(v) && json_integer_value(v) >= 0) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            rc = set_arg(api, a, key, kl, num, strlen(num), rs);
        } else if (!number && json_is_boolean(v)) {
            rc = set_arg(api, a, key, kl, json_is_true(v) ? "1" : "0", 1, rs);
        } else {
            /* the wrong type: the message for its name (or an unknown name) */
            rc = set_arg(api, a, key, kl, "?", 1, rs);
        }
        if (rc) {
            json_decref(root);
            return NULL;
        }
    }
    return root;
}

/* ---- answers ------------------------------------------------------------ */

static const char *empty_name(int why)
{
    switch (why) {
    case NSEARCH_EMPTY_STOPWORDS: return "\"stopwords\"";
    case NSEARCH_EMPTY_NOWORDS: return "\"nowords\"";
    case NSEARCH_EMPTY_LIKE: return "\"like\"";
    default: return "null";
    }
}

static void run_search(const srv_api *api, const srv_request *rq, const search_args *a,
                       srv_response *rs)
{
    srv_lease l;
    nsearch_error e = {0};
    if (srv_pool_acquire(api->pool, &l, &e)) {
        library_error(rs, &e);
        return;
    }
    nsearch_search_opts so;
    nsearch_search_opts_init(&so);
    so.k = a->k;
    so.offset = a->offset;
    /* counted up to the limit, and always past this page: whether there is
     * a next one is known */
    so.count = 1;
    so.count_limit = a->total_limit;
    if (so.count_limit && so.count_limit < a->offset + a->k + 1)
        so.count_limit = a->offset + a->k + 1;
    so.expand = a->expand;
    so.flags = (a->all ? NSEARCH_QUERY_ALL : 0u) | (a->literal ? NSEARCH_QUERY_LITERAL : 0u);
    nsearch_results res;
    if (nsearch_reader_search(l.reader, a->q, a->q_len, &so, &res, &e)) {
        library_error(rs, &e);
        srv_pool_release(api->pool, &l);
        return;
    }
    nsearch_render_opts ro;
    nsearch_render_opts_init(&ro);
    ro.format = NSEARCH_JSON;
    ro.snippets = a->snippets;
    ro.explain = a->explain;
    ro.highlights_utf16 = 1;
    ro.fields = a->fields_set ? a->fields : NULL;
    srv_buf hits = {0};
    for (size_t i = 0; i < res.n; i++) {
        nsearch_str s;
        if (nsearch_reader_render(l.reader, &res.hits[i], a->offset + i + 1, &ro, &s, &e)) {
            srv_buf_release(&hits);
            library_error(rs, &e);
            srv_pool_release(api->pool, &l);
            return;
        }
        if (i)
            srv_buf_put(&hits, ",", 1);
        srv_buf_put(&hits, s.p, s.len && s.p[s.len - 1] == '\n' ? s.len - 1 : s.len);
    }
    srv_pool_release(api->pool, &l);
    srv_buf *b = &rs->body;
    rs->status = 200;
    rs->type = JSON_TYPE;
    srv_buf_puts(b, "{\"query\":");
    srv_buf_json(b, a->q, a->q_len);
    srv_buf_printf(b,
                   ",\"total\":%llu,\"total_exact\":%s,\"offset\":%zu,\"k\":%zu,\"took_us\":%llu,"
                   "\"notes\":",
                   (unsigned long long)res.total,
                   !so.count_limit || res.total < so.count_limit ? "true" : "false", a->offset, a->k,
                   (unsigned long long)((srv_now_ns() - rq->start_ns) / 1000));
    srv_buf_json(b, res.notes ? res.notes : "", res.notes ? strlen(res.notes) : 0);
    srv_buf_printf(b, ",\"empty_query\":%s,\"damaged\":%s,\"generation\":%llu,\"hits\":[",
                   empty_name(res.empty_query), res.damaged ? "true" : "false",
                   (unsigned long long)l.generation);
    if (hits.failed)
        b->failed = 1;
    else if (hits.len)
        srv_buf_put(b, hits.p, hits.len);
    srv_buf_puts(b, "]}\n");
    srv_buf_release(&hits);
    finish(rs);
}

static void search(const srv_api *api, const srv_request *rq, srv_response *rs)
{
    search_args a;
    args_init(&a);
    json_t *body = NULL;
    int post = strcmp(rq->method, "POST") == 0;
    if (post) {
        if (rq->n_params) {
            srv_api_error(rs, 400, "bad_parameter", 0,
                          "POST /search takes its arguments in the JSON body, not the URL");
            return;
        }
        if (!(body = body_args(api, rq, &a, rs)))
            return;
    } else {
        for (size_t i = 0; i < rq->n_params; i++) {
            const srv_param *p = &rq->params[i];
            if (set_arg(api, &a, p->key, p->key_len, p->val, p->val_len, rs))
                return;
        }
    }
    if (!check_limits(api, &a, rs, post))
        run_search(api, rq, &a, rs);
    json_decref(body);
}

static void get_doc(const srv_api *api, const char *id, size_t len, srv_response *rs)
{
    srv_lease l;
    nsearch_error e = {0};
    if (srv_pool_acquire(api->pool, &l, &e)) {
        library_error(rs, &e);
        return;
    }
    uint32_t doc;
    nsearch_render_opts ro;
    nsearch_render_opts_init(&ro);
    ro.format = NSEARCH_JSON;
    nsearch_str s;
    if (nsearch_reader_find(l.reader, id, len, &doc, &e) ||
        nsearch_reader_render_doc(l.reader, doc, &ro, &s, &e)) {
        if (e.rc == NSEARCH_E_NOTFOUND) {
            char *shown = cli_safe(id, len, NSEARCH_ESCAPE_NAME);
            srv_api_error(rs, 404, "not_found", 0, "no document has the id '%s'",
                          shown ? shown : "?");
            nsearch_free(shown);
        } else
            library_error(rs, &e);
    } else {
        rs->status = 200;
        rs->type = JSON_TYPE;
        srv_buf_put(&rs->body, s.p, s.len);
    }
    srv_pool_release(api->pool, &l);
    finish(rs);
}

static void stats(const srv_api *api, srv_response *rs, int health)
{
    srv_lease l;
    nsearch_error e = {0};
    if (srv_pool_acquire(api->pool, &l, &e)) {
        library_error(rs, &e);
        return;
    }
    nsearch_index_stats st;
    nsearch_index_stats_get(l.ix, &st);
    const char *info = NULL;
    if (!health && nsearch_reader_info(l.reader, NSEARCH_JSON, &info, &e)) {
        library_error(rs, &e);
        srv_pool_release(api->pool, &l);
        return;
    }
    char opened[32], built[32];
    struct tm tm;
    gmtime_r(&l.opened, &tm);
    strftime(opened, sizeof opened, "%Y-%m-%dT%H:%M:%SZ", &tm);
    gmtime_r(&l.built, &tm);
    strftime(built, sizeof built, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rs->status = 200;
    rs->type = JSON_TYPE;
    if (health) {
        srv_buf_printf(&rs->body, "{\"status\":\"ok\",\"documents\":%llu,\"generation\":%llu}\n",
                       (unsigned long long)st.live_documents, (unsigned long long)l.generation);
    } else {
        size_t n = strlen(info);
        srv_buf_puts(&rs->body, "{\"index\":");
        srv_buf_put(&rs->body, info, n && info[n - 1] == '\n' ? n - 1 : n);
        srv_buf_printf(&rs->body, ",\"generation\":%llu,\"built\":\"%s\",\"opened\":\"%s\"}\n",
                       (unsigned long long)l.generation, built, opened);
    }
    srv_pool_release(api->pool, &l);
    finish(rs);
}

static int path_is(const srv_request *rq, const char *p)
{
    return rq->path_len == strlen(p) && memcmp(rq->path, p, rq->path_len) == 0;
}

void srv_api_handle(const srv_api *api, const srv_request *rq, srv_response *rs)
{
    memset(rs, 0, sizeof *rs);
    int get = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
    int post = strcmp(rq->method, "POST") == 0;
    if (path_is(rq, "/search")) {
        if (get || post)
            search(api, rq, rs);
        else {
            rs->allow = "GET, HEAD, POST";
            srv_api_error(rs, 405, "method_not_allowed", 0, "/search takes GET or POST");
        }
        return;
    }
    /* every other resource is read with GET (or HEAD) */
    int doc = rq->path_len >= 5 && memcmp(rq->path, "/doc/", 5) == 0;
    const srv_asset *asset = NULL;
    for (size_t i = 0; i < srv_n_assets && !asset; i++)
        if (path_is(rq, srv_assets[i].path))
            asset = &srv_assets[i];
    int known = doc || asset || path_is(rq, "/stats") || path_is(rq, "/health") ||
                path_is(rq, "/syntax");
    if (!known) {
        char *shown = cli_safe(rq->path, rq->path_len, NSEARCH_ESCAPE_NAME);
        srv_api_error(rs, 404, "not_found", 0,
                      "no such resource '%s' (there are /, /search, /doc/ID, /stats, /health, "
                      "/syntax)",
                      shown ? shown : "?");
        nsearch_free(shown);
        return;
    }
    if (!get) {
        rs->allow = "GET, HEAD";
        srv_api_error(rs, 405, "method_not_allowed", 0, "this resource takes GET");
        return;
    }
    if (rq->n_params && !asset) {
        srv_api_error(rs, 400, "bad_parameter", 0, "this resource takes no parameters");
        return;
    }
    if (doc)
        get_doc(api, rq->path + 5, rq->path_len - 5, rs);
    else if (asset) {
        /* the page reads its own parameters (?q=, ?doc=) */
        rs->status = 200;
        rs->type = asset->type;
        rs->body.p = (char *)asset->data;
        rs->body.len = asset->len;
        rs->static_body = 1;
    } else if (path_is(rq, "/syntax")) {
        rs->status = 200;
        rs->type = "text/plain; charset=utf-8";
        rs->body.p = (char *)cli_syntax_text;
        rs->body.len = strlen(cli_syntax_text);
        rs->static_body = 1;
    } else
        stats(api, rs, path_is(rq, "/health"));
}
