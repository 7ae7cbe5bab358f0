/* Guest side of the Extism ABI for the C test plug-ins: the imports from
 * "extism:host/env" and a few copy helpers. Only what a plug-in calls ends up
 * in its import section, so including this header costs nothing. */
#ifndef TEST_PLUGINS_EXTISM_H
#define TEST_PLUGINS_EXTISM_H

#include <stdint.h>
#include <string.h>

#define EXTISM_IMPORT(name) \
    __attribute__((import_module("extism:host/env"), import_name(#name)))
#define EXTISM_EXPORT(name) __attribute__((export_name(#name)))

/* Offsets and lengths are u64 (wasm i64) and must never be narrowed. */
EXTISM_IMPORT(alloc)            uint64_t extism_alloc(uint64_t n);
EXTISM_IMPORT(length)           uint64_t extism_length(uint64_t off);
EXTISM_IMPORT(load_u8)          uint8_t  extism_load_u8(uint64_t off);
EXTISM_IMPORT(load_u64)         uint64_t extism_load_u64(uint64_t off);
EXTISM_IMPORT(store_u8)         void     extism_store_u8(uint64_t off, uint8_t v);
EXTISM_IMPORT(store_u64)        void     extism_store_u64(uint64_t off, uint64_t v);
EXTISM_IMPORT(input_length)     uint64_t extism_input_length(void);
EXTISM_IMPORT(input_load_u8)    uint8_t  extism_input_load_u8(uint64_t i);
EXTISM_IMPORT(input_load_u64)   uint64_t extism_input_load_u64(uint64_t i);
EXTISM_IMPORT(output_set)       void     extism_output_set(uint64_t off, uint64_t len);
EXTISM_IMPORT(error_set)        void     extism_error_set(uint64_t off);
EXTISM_IMPORT(config_get)       uint64_t extism_config_get(uint64_t key);
EXTISM_IMPORT(var_get)          uint64_t extism_var_get(uint64_t key);
EXTISM_IMPORT(var_set)          void     extism_var_set(uint64_t key, uint64_t val);
EXTISM_IMPORT(http_request)     uint64_t extism_http_request(uint64_t req, uint64_t body);
EXTISM_IMPORT(http_status_code) int32_t  extism_http_status_code(void);
EXTISM_IMPORT(http_headers)     uint64_t extism_http_headers(void);

/* Reads input bytes [0, len) into dst: whole words, then the tail
 * (input_load_u64 returns 0 unless all 8 bytes exist). */
static inline void xt_input_read(uint8_t *dst, uint64_t len) {
    uint64_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w = extism_input_load_u64(i);
        memcpy(dst + i, &w, 8);
    }
    for (; i < len; i++)
        dst[i] = extism_input_load_u8(i);
}

/* Copies n bytes into a new block and returns its offset (0 when n == 0). */
static inline uint64_t xt_block(const void *src, uint64_t n) {
    const uint8_t *p = (const uint8_t *)src;
    uint64_t h = extism_alloc(n);
    uint64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        extism_store_u64(h + i, w);
    }
    for (; i < n; i++)
        extism_store_u8(h + i, p[i]);
    return h;
}

static inline uint64_t xt_block_str(const char *s) {
    return xt_block(s, strlen(s));
}

static inline void xt_output(const void *src, uint64_t n) {
    extism_output_set(xt_block(src, n), n);
}

/* Outputs a whole block the host handed us; 0 leaves the output empty. */
static inline void xt_output_block(uint64_t h) {
    if (h != 0)
        extism_output_set(h, extism_length(h));
}

/* Sets the error message and returns the code to return with it. */
static inline int32_t xt_fail(const char *msg) {
    extism_error_set(xt_block_str(msg));
    return 1;
}

/* Writes v in decimal at dst (room for 20 digits) and returns the digit count. */
static inline int xt_u64_dec(char *dst, uint64_t v) {
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (int i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
    return n;
}

#endif
