/* ns_err: return codes and error details shared by every module.
 *
 * Library code never prints and never exits: it returns an ns_rc and, where
 * the caller passed a struct ns_err, a one-line message with context.  Only
 * the *_main.c files turn codes into exit statuses. */
#ifndef NS_ERR_H
#define NS_ERR_H

/* Values are pinned: tests and tools may compare them. */
typedef enum {
    NS_OK = 0,
    NS_E_NOMEM = 1,    /* allocation failed */
    NS_E_IO = 2,       /* a system call failed (sys_errno says why) */
    NS_E_BADMAGIC = 3, /* not an nsearch file */
    NS_E_VERSION = 4,  /* unsupported format version or analyzer mismatch */
    NS_E_CORRUPT = 5,  /* data read from disk or input violates the format */
    NS_E_ARG = 6,      /* bad argument or input from the user */
    NS_E_NOTFOUND = 7, /* a file or index does not exist */
    NS_E_BUSY = 8,     /* another process holds the lock (another nindex) */
    NS_E_EXISTS = 9,   /* the output exists and is not an index: not replaced */
    NS_E_LIMIT = 10    /* a documented limit exceeded (query terms, phrase words) */
} ns_rc;

typedef struct ns_err {
    ns_rc rc;
    int sys_errno;
    char msg[256];
} ns_err;

/* Records rc and a printf-style message in err (err may be NULL); returns rc
 * so that callers can write `return ns_err_set(err, NS_E_ARG, "...")`. */
ns_rc ns_err_set(ns_err *err, ns_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like ns_err_set, appending ": <strerror(errnum)>" and keeping errnum. */
ns_rc ns_err_sys(ns_err *err, ns_rc rc, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Resets err to NS_OK with an empty message (err may be NULL). */
void ns_err_clear(ns_err *err);

/* Returns: static string naming rc. */
const char *ns_rc_str(ns_rc rc);

/* 1 when assert() is compiled in (the build option NS_ASSERT), else 0: the
 * assertion's expression is evaluated only when it is. */
int ns_build_has_asserts(void);

#endif
