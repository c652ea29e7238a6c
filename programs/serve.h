/* serve: the `nsearch serve` command (serve.c). */
#ifndef SERVE_H
#define SERVE_H

/* Runs `nsearch serve` with argv[0] "serve" and its options; returns the
 * exit status (serve --help lists them). */
int serve_main(int argc, char **argv);

#endif
