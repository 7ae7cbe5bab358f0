/* http.wasm: GET requests through the host's http_request, with no WASI.
 * The host must list the URL's host in the manifest's allowed_hosts. */
#include <stdlib.h>
#include "extism.h"

/* Sends {"url":"<input>","method":"GET"} with no body and returns the
 * response-body block (0 when the body is empty). */
static uint64_t get_input_url(void) {
    static const char head[] = "{\"url\":\"", tail[] = "\",\"method\":\"GET\"}";
    static const char hex[] = "0123456789abcdef";
    uint64_t n = extism_input_length();
    /* worst case: every byte becomes a 6-byte \u00XX escape */
    char *req = malloc(sizeof head + sizeof tail + 6 * (size_t)n);
    uint8_t *url = malloc((size_t)n + 1);
    if (req == NULL || url == NULL)
        __builtin_trap();
    xt_input_read(url, n);
    char *p = req;
    memcpy(p, head, sizeof head - 1), p += sizeof head - 1;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t c = url[i];
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c < 0x20) {
            memcpy(p, "\\u00", 4), p += 4;
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        } else {
            *p++ = (char)c;
        }
    }
    memcpy(p, tail, sizeof tail - 1), p += sizeof tail - 1;
    uint64_t body = extism_http_request(xt_block(req, (uint64_t)(p - req)), 0);
    free(req);
    free(url);
    return body;
}

/* Input: URL. Output: the response body (any status). */
EXTISM_EXPORT(http_get) int32_t http_get(void) {
    xt_output_block(get_input_url());
    return 0;
}

/* Input: URL. Output: the response headers as the host's JSON object, or
 * "none" when the host does not expose headers (http_headers() == 0). */
EXTISM_EXPORT(http_get_with_headers) int32_t http_get_with_headers(void) {
    get_input_url();
    uint64_t h = extism_http_headers();
    if (h == 0)
        xt_output("none", 4);
    else
        xt_output_block(h);
    return 0;
}

/* Output: the status of this instance's most recent request, in decimal
 * (0 before any request; kept across calls). */
EXTISM_EXPORT(http_status) int32_t http_status(void) {
    int64_t s = extism_http_status_code();
    char digits[21];
    int n = 0;
    if (s < 0) {
        digits[n++] = '-';
        s = -s;
    }
    n += xt_u64_dec(digits + n, (uint64_t)s);
    xt_output(digits, (uint64_t)n);
    return 0;
}
