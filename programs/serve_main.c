/* nsearch-serve: `nsearch serve` as a program of its own, which nsearch
 * runs for that command (git runs git-<command> the same way), so that
 * nsearch itself does not load libmicrohttpd, jansson and GnuTLS at every
 * start (5.3 M instructions, nearly doubling its start-up). */
#include "serve.h"

int main(int argc, char **argv) { return serve_main(argc, argv); }
