/* kitchen.wasm: the plug-in side of kitchen.xtp.yaml, for the host-side XTP bindings' tests.
 * No WASI. Imports describe (I64 -> I64) from extism:host/user. */
#include "extism.h"

__attribute__((import_module("extism:host/user"), import_name("describe")))
uint64_t describe(uint64_t text);

static uint8_t buffer[1 << 16];

/* Reads the whole input into a fresh block (offset 0 when empty). */
static uint64_t input_block(void) {
    uint64_t len = extism_input_length();
    if (len == 0)
        return 0;
    if (len > sizeof buffer)
        return 0;
    xt_input_read(buffer, len);
    return xt_block(buffer, len);
}

EXTISM_EXPORT(echoEverything) int32_t echo_everything(void) {
    xt_output_block(input_block());
    return 0;
}

EXTISM_EXPORT(shout) int32_t shout(void) {
    uint64_t len = extism_input_length();
    if (len > sizeof buffer)
        return xt_fail("input too long");
    xt_input_read(buffer, len);
    for (uint64_t i = 0; i < len; i++)
        if (buffer[i] >= 'a' && buffer[i] <= 'z')
            buffer[i] -= 'a' - 'A';
    xt_output(buffer, len);
    return 0;
}

EXTISM_EXPORT(reverseBytes) int32_t reverse_bytes(void) {
    uint64_t len = extism_input_length();
    if (len > sizeof buffer)
        return xt_fail("input too long");
    xt_input_read(buffer, len);
    for (uint64_t i = 0; i < len / 2; i++) {
        uint8_t t = buffer[i];
        buffer[i] = buffer[len - 1 - i];
        buffer[len - 1 - i] = t;
    }
    xt_output(buffer, len);
    return 0;
}

EXTISM_EXPORT(askHost) int32_t ask_host(void) {
    xt_output_block(describe(input_block()));
    return 0;
}

EXTISM_EXPORT(isEmpty) int32_t is_empty(void) {
    if (extism_input_length() == 0)
        xt_output("true", 4);
    else
        xt_output("false", 5);
    return 0;
}

EXTISM_EXPORT(nothing) int32_t nothing(void) {
    return 0;
}
