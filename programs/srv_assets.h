/* srv_assets: the search page's files, embedded in the program at build
 * time from programs/serve_page/ (cmake/embed.cmake writes srv_assets.c),
 * so that the server reads no file but the index: there is no path to
 * traverse. */
#ifndef SRV_ASSETS_H
#define SRV_ASSETS_H

#include <stddef.h>

typedef struct srv_asset {
    const char *path;          /* "/", "/app.js", ... */
    const char *type;          /* its Content-Type */
    const unsigned char *data; /* static */
    size_t len;
} srv_asset;

extern const srv_asset srv_assets[];
extern const size_t srv_n_assets;

#endif
