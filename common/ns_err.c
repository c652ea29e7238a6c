/* ns_err: formatting of error details (see ns_err.h). */
#include "ns_err.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

ns_rc ns_err_set(ns_err *err, ns_rc rc, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->rc = rc;
        err->sys_errno = 0;
    }
    return rc;
}

ns_rc ns_err_sys(ns_err *err, ns_rc rc, int errnum, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        /* the reason always fits: a message too long loses its tail instead */
        char why[128];
        size_t wl = (size_t)snprintf(why, sizeof why, ": %s", strerror(errnum));
        if (wl >= sizeof why)
            wl = sizeof why - 1;
        size_t at = n < 0 ? 0 : (size_t)n;
        if (at + wl >= sizeof err->msg)
            at = sizeof err->msg - wl - 1;
        memcpy(err->msg + at, why, wl + 1);
        err->rc = rc;
        err->sys_errno = errnum;
    }
    return rc;
}

void ns_err_clear(ns_err *err)
{
    if (err) {
        err->rc = NS_OK;
        err->sys_errno = 0;
        err->msg[0] = '\0';
    }
}

const char *ns_rc_str(ns_rc rc)
{
    switch (rc) {
    case NS_OK: return "ok";
    case NS_E_NOMEM: return "out of memory";
    case NS_E_IO: return "I/O error";
    case NS_E_BADMAGIC: return "not an nsearch file";
    case NS_E_VERSION: return "unsupported version";
    case NS_E_CORRUPT: return "corrupt data";
    case NS_E_ARG: return "invalid argument";
    case NS_E_NOTFOUND: return "not found";
    case NS_E_BUSY: return "locked by another process";
    case NS_E_EXISTS: return "exists and is not an index";
    case NS_E_LIMIT: return "limit exceeded";
    }
    return "unknown error";
}

int ns_build_has_asserts(void)
{
    int on = 0;
    assert((on = 1) != 0);
    return on;
}
