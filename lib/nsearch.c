/* nsearch: versions and errors of the public API (include/nsearch.h). */
#include "nsearch_api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ns_alloc.h"
#include "ns_format.h"
#include "ns_json.h"
#include "ns_term.h"

unsigned nsearch_version_number(void) { return NSEARCH_VERSION_NUMBER; }

const char *nsearch_version(void) { return NSEARCH_VERSION_STRING; }

void nsearch_format_version(unsigned *major, unsigned *minor)
{
    if (major)
        *major = NS_FORMAT_MAJOR;
    if (minor)
        *minor = NS_FORMAT_MINOR;
}

const char *nsearch_strerror(nsearch_rc rc)
{
    switch (rc) {
    case NSEARCH_OK: return "ok";
    case NSEARCH_E_NOMEM: return "out of memory";
    case NSEARCH_E_IO: return "I/O error";
    case NSEARCH_E_NOT_INDEX: return "not an nsearch index";
    case NSEARCH_E_VERSION: return "unsupported index version";
    case NSEARCH_E_CORRUPT: return "corrupt data";
    case NSEARCH_E_ARG: return "invalid argument";
    case NSEARCH_E_NOTFOUND: return "not found";
    case NSEARCH_E_BUSY: return "locked by another builder";
    case NSEARCH_E_EXISTS: return "exists and is not an index";
    case NSEARCH_E_QUERY: return "invalid query";
    case NSEARCH_E_LIMIT: return "limit exceeded";
    case NSEARCH_E_EMPTY: return "no documents";
    case NSEARCH_E_INTERNAL: return "internal error";
    }
    return "unknown error";
}

nsearch_rc nsearch_rc_of(ns_rc rc)
{
    switch (rc) {
    case NS_OK: return NSEARCH_OK;
    case NS_E_NOMEM: return NSEARCH_E_NOMEM;
    case NS_E_IO: return NSEARCH_E_IO;
    case NS_E_BADMAGIC: return NSEARCH_E_NOT_INDEX;
    case NS_E_VERSION: return NSEARCH_E_VERSION;
    case NS_E_CORRUPT: return NSEARCH_E_CORRUPT;
    case NS_E_ARG: return NSEARCH_E_ARG;
    case NS_E_NOTFOUND: return NSEARCH_E_NOTFOUND;
    case NS_E_BUSY: return NSEARCH_E_BUSY;
    case NS_E_EXISTS: return NSEARCH_E_EXISTS;
    case NS_E_LIMIT: return NSEARCH_E_LIMIT;
    }
    return NSEARCH_E_INTERNAL;
}

nsearch_rc nsearch_fail(nsearch_error *err, const ns_err *e)
{
    nsearch_rc rc = nsearch_rc_of(e->rc);
    if (err) {
        err->rc = rc;
        err->sys_errno = e->sys_errno;
        snprintf(err->message, sizeof err->message, "%s", e->msg);
    }
    return rc;
}

nsearch_rc nsearch_fail_msg(nsearch_error *err, nsearch_rc rc, const char *fmt, ...)
{
    if (err) {
        err->rc = rc;
        err->sys_errno = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return rc;
}

void nsearch_free(void *p) { ns_free(p); }

nsearch_rc nsearch_escape(const char *text, size_t len, int mode, char **out, size_t *out_len,
                          nsearch_error *err)
{
    if (!out || !out_len || (!text && len))
        return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_escape: NULL argument");
    *out = NULL;
    *out_len = 0;
    ns_term_style style = NS_TERM_TEXT;
    switch (mode) {
    case NSEARCH_ESCAPE_TEXT: style = NS_TERM_TEXT; break;
    case NSEARCH_ESCAPE_NAME: style = NS_TERM_NAME; break;
    case NSEARCH_ESCAPE_TOKEN: style = NS_TERM_TOKEN; break;
    case NSEARCH_ESCAPE_JSON: break;
    default: return nsearch_fail_msg(err, NSEARCH_E_ARG, "nsearch_escape: unknown mode %d", mode);
    }
    ns_buf b;
    ns_buf_init(&b);
    if (!text)
        text = "";
    ns_rc rc = mode == NSEARCH_ESCAPE_JSON ? ns_json_put_string(&b, text, len)
                                           : ns_term_put(&b, text, len, style);
    if (rc || ns_buf_putc(&b, 0)) {
        ns_buf_release(&b);
        return nsearch_fail_msg(err, NSEARCH_E_NOMEM, "out of memory");
    }
    *out_len = b.len - 1;
    *out = (char *)b.data; /* ns_buf's storage is ns_malloc'd: nsearch_free */
    return NSEARCH_OK;
}
