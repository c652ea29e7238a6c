/* ns_endian: little-endian loads and stores.  Every on-disk integer is
 * little-endian; these compile to plain moves on x86 and are safe at any
 * alignment. */
#ifndef NS_ENDIAN_H
#define NS_ENDIAN_H

#include <stdint.h>
#include <string.h>

static inline uint16_t ns_get_u16le(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)(b[0] | (b[1] << 8));
}
static inline uint32_t ns_get_u32le(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}
static inline uint64_t ns_get_u64le(const void *p)
{
    const uint8_t *b = p;
    return (uint64_t)ns_get_u32le(b) | ((uint64_t)ns_get_u32le(b + 4) << 32);
}
static inline void ns_put_u16le(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}
static inline void ns_put_u32le(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}
static inline void ns_put_u64le(void *p, uint64_t v)
{
    ns_put_u32le(p, (uint32_t)v);
    ns_put_u32le((uint8_t *)p + 4, (uint32_t)(v >> 32));
}
static inline float ns_get_f32le(const void *p)
{
    uint32_t u = ns_get_u32le(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
static inline void ns_put_f32le(void *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    ns_put_u32le(p, u);
}
static inline double ns_get_f64le(const void *p)
{
    uint64_t u = ns_get_u64le(p);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}
static inline void ns_put_f64le(void *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    ns_put_u64le(p, u);
}

#endif
