/* fuzz_util: what the libFuzzer harnesses of tests/fuzz/ share: a scratch
 * directory per process, writing an input to a file, and a property failure
 * that aborts (so libFuzzer and the replay driver both report it).
 *
 * Harnesses are test code, not library code: they may print and abort. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The fuzz entry point every harness defines (libFuzzer's contract: return
 * 0; a crash, sanitizer report or abort is a finding). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns: borrowed, valid for the life of the process; a directory made
 * once under $TMPDIR (default /tmp) and removed with everything in it at
 * exit.  Aborts if it cannot be made. */
const char *fuzz_scratch(void);

/* Returns: borrowed; fuzz_scratch() + "/" + name, in a static buffer
 * valid until the next call. */
const char *fuzz_path(const char *name);

/* Writes data[0..size) to path (created or truncated); aborts on failure
 * (the scratch directory is ours: failing to write there is not a finding
 * about the input). */
void fuzz_write_file(const char *path, const uint8_t *data, size_t size);

/* Removes path and everything under it; a missing path is fine. */
void fuzz_remove_tree(const char *path);

/* Reports a broken property and aborts. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
