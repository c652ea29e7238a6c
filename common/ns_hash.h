/* ns_hash: the hash of a short key for in-memory hash tables (the
 * analyzer's stem cache, the inverter's term table).  Keys of up to 16
 * bytes are hashed from two 64-bit words that hold them (the caller's
 * fingerprint: the first 16 bytes zero padded, or the first and last 8), so
 * the common short word costs two multiplies; longer keys go to XXH3.  Not
 * stored anywhere: it may change between versions. */
#ifndef NS_HASH_H
#define NS_HASH_H
#include <stddef.h>
#include <stdint.h>
#include <xxhash.h>

/* Hash of key p[0..len) whose fingerprint words are a, b (used when
 * len <= 16; p is read only when len > 16). */
static inline uint64_t ns_hash_key(const void *p, size_t len, uint64_t a, uint64_t b)
{
    if (len > 16)
        return XXH3_64bits(p, len);
    uint64_t h = a * 0x9E3779B97F4A7C15ull;
    h ^= (b + len) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 29;
    return h;
}

#endif
