/* json_transform.wasm: summarize {"name":"x","scores":[1,2,3]} as
 * {"name":"x","count":3,"sum":6,"max":3}. No WASI.
 *
 * Accepted input: one JSON object with exactly the keys "name" (a string) and
 * "scores" (an array of integers that fit in int64), in either order, with any
 * JSON whitespace. The name is copied to the output exactly as written,
 * escapes included. Anything else fails with "invalid input: <reason>". */
#include <stdbool.h>
#include <stdlib.h>
#include "extism.h"

typedef struct {
    const uint8_t *p, *end;
    const char *err;
} parser;

static bool fail(parser *ps, const char *why) {
    if (ps->err == NULL)
        ps->err = why;
    return false;
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool expect(parser *ps, uint8_t c, const char *why) {
    skip_ws(ps);
    if (ps->p == ps->end || *ps->p != c)
        return fail(ps, why);
    ps->p++;
    return true;
}

static bool is_hex(uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A JSON string; [*s, *s + *n) is its raw body between the quotes. */
static bool string(parser *ps, const uint8_t **s, size_t *n) {
    if (!expect(ps, '"', "expected a string"))
        return false;
    const uint8_t *start = ps->p;
    while (ps->p < ps->end && *ps->p != '"') {
        uint8_t c = *ps->p++;
        if (c < 0x20)
            return fail(ps, "control character in string");
        if (c != '\\')
            continue;
        if (ps->p == ps->end)
            break;
        c = *ps->p++;
        if (c == 'u') {
            for (int k = 0; k < 4; k++, ps->p++)
                if (ps->p == ps->end || !is_hex(*ps->p))
                    return fail(ps, "bad \\u escape");
        } else if (!memchr("\"\\/bfnrt", c, 8)) {
            return fail(ps, "bad escape");
        }
    }
    if (ps->p == ps->end)
        return fail(ps, "unterminated string");
    *s = start;
    *n = (size_t)(ps->p - start);
    ps->p++;
    return true;
}

static bool integer(parser *ps, int64_t *out) {
    skip_ws(ps);
    bool neg = ps->p < ps->end && *ps->p == '-';
    if (neg)
        ps->p++;
    const uint8_t *digits = ps->p;
    uint64_t mag = 0;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        if (mag > (UINT64_MAX - 9) / 10)
            return fail(ps, "integer out of range");
        mag = mag * 10 + (uint64_t)(*ps->p++ - '0');
    }
    size_t len = (size_t)(ps->p - digits);
    if (len == 0)
        return fail(ps, "expected an integer");
    if (len > 1 && digits[0] == '0')
        return fail(ps, "leading zero");
    if (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E'))
        return fail(ps, "only integers are supported");
    if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > (uint64_t)INT64_MAX)
        return fail(ps, "integer out of range");
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return true;
}

typedef struct {
    uint64_t count;
    int64_t sum, max;
} stats;

static bool scores(parser *ps, stats *st) {
    if (!expect(ps, '[', "scores must be an array"))
        return false;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return true;
    }
    for (;;) {
        int64_t v;
        if (!integer(ps, &v))
            return false;
        if (__builtin_add_overflow(st->sum, v, &st->sum))
            return fail(ps, "sum out of range");
        if (st->count == 0 || v > st->max)
            st->max = v;
        st->count++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        return expect(ps, ']', "expected , or ] in scores");
    }
}

static bool key_is(const uint8_t *k, size_t n, const char *want) {
    return n == strlen(want) && memcmp(k, want, n) == 0;
}

static bool document(parser *ps, const uint8_t **name, size_t *name_len, stats *st) {
    bool have_name = false, have_scores = false;
    if (!expect(ps, '{', "expected an object"))
        return false;
    for (;;) {
        const uint8_t *k;
        size_t kn;
        if (!string(ps, &k, &kn) || !expect(ps, ':', "expected :"))
            return false;
        if (key_is(k, kn, "name") && !have_name) {
            if (!string(ps, name, name_len))
                return false;
            have_name = true;
        } else if (key_is(k, kn, "scores") && !have_scores) {
            if (!scores(ps, st))
                return false;
            have_scores = true;
        } else {
            return fail(ps, "unexpected or repeated key");
        }
        skip_ws(ps);
        if (ps->p == ps->end || *ps->p != ',')
            break;
        ps->p++;
    }
    if (!expect(ps, '}', "expected , or }"))
        return false;
    skip_ws(ps);
    if (ps->p != ps->end)
        return fail(ps, "trailing data");
    if (!have_name || !have_scores)
        return fail(ps, "name and scores are required");
    return true;
}

static char *put_i64(char *p, int64_t v) {
    uint64_t mag = (uint64_t)v;
    if (v < 0) {
        *p++ = '-';
        mag = 0 - mag;
    }
    return p + xt_u64_dec(p, mag);
}

static char *put(char *p, const char *s) {
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

EXTISM_EXPORT(summarize) int32_t summarize(void) {
    uint64_t n = extism_input_length();
    uint8_t *in = malloc((size_t)n + 1);
    if (in == NULL)
        return xt_fail("invalid input: too large");
    xt_input_read(in, n);

    parser ps = {in, in + n, NULL};
    const uint8_t *name = NULL;
    size_t name_len = 0;
    stats st = {0, 0, 0};
    if (!document(&ps, &name, &name_len, &st)) {
        static const char prefix[] = "invalid input: ";
        char msg[sizeof prefix + 64];
        memcpy(msg, prefix, sizeof prefix - 1);
        strncpy(msg + sizeof prefix - 1, ps.err, 64);
        msg[sizeof msg - 1] = '\0';
        free(in);
        return xt_fail(msg);
    }

    /* 3 numbers of at most 20 digits plus sign, and the fixed text */
    char *out = malloc(name_len + 128);
    if (out == NULL)
        return xt_fail("invalid input: too large");
    char *p = put(out, "{\"name\":\"");
    memcpy(p, name, name_len), p += name_len;
    p = put(p, "\",\"count\":");
    p += xt_u64_dec(p, st.count);
    p = put(p, ",\"sum\":");
    p = put_i64(p, st.sum);
    p = put(p, ",\"max\":");
    p = put_i64(p, st.max);
    p = put(p, "}");
    xt_output(out, (uint64_t)(p - out));
    free(out);
    free(in);
    return 0;
}
