/* count_vowels.wasm: the classic Extism demo, with no WASI imports.
 * Output: {"count":N,"total":T,"vowels":"aeiouAEIOU"}, where T is a running
 * total of N kept in var "total" (u64 LE). Used in a 4 KiB benchmark, so the
 * input is read a word at a time and bytes are classified through a table. */
#include "extism.h"

static const uint8_t is_vowel[256] = {
    ['a'] = 1, ['e'] = 1, ['i'] = 1, ['o'] = 1, ['u'] = 1,
    ['A'] = 1, ['E'] = 1, ['I'] = 1, ['O'] = 1, ['U'] = 1,
};

static uint64_t vowels_in_word(uint64_t w) {
    uint64_t n = 0;
    for (int k = 0; k < 8; k++, w >>= 8)
        n += is_vowel[w & 0xff];
    return n;
}

EXTISM_EXPORT(count_vowels) int32_t count_vowels(void) {
    uint64_t len = extism_input_length();
    uint64_t count = 0, i = 0;
    for (; i + 8 <= len; i += 8)
        count += vowels_in_word(extism_input_load_u64(i));
    for (; i < len; i++)
        count += is_vowel[extism_input_load_u8(i)];

    uint64_t prev = extism_var_get(xt_block_str("total"));
    uint64_t total = count;
    if (extism_length(prev) >= 8)
        total += extism_load_u64(prev);
    uint64_t val = extism_alloc(8);
    extism_store_u64(val, total);
    extism_var_set(xt_block_str("total"), val);

    static const char head[] = "{\"count\":", mid[] = ",\"total\":",
                      tail[] = ",\"vowels\":\"aeiouAEIOU\"}";
    char json[sizeof head + sizeof mid + sizeof tail + 40];
    char *p = json;
    memcpy(p, head, sizeof head - 1), p += sizeof head - 1;
    p += xt_u64_dec(p, count);
    memcpy(p, mid, sizeof mid - 1), p += sizeof mid - 1;
    p += xt_u64_dec(p, total);
    memcpy(p, tail, sizeof tail - 1), p += sizeof tail - 1;
    xt_output(json, (uint64_t)(p - json));
    return 0;
}
