/* command.wasm: a WASI command module. `_start` runs main(); the host then
 * rebuilds the instance before its next call, which `counter` makes visible. */
#include "extism.h"

static uint64_t calls;

/* Output: how many times `counter` has run in this instance, in decimal. */
EXTISM_EXPORT(counter) int32_t counter(void) {
    char digits[20];
    xt_output(digits, (uint64_t)xt_u64_dec(digits, ++calls));
    return 0;
}

int main(void) {
    static const char msg[] = "hello from _start";
    xt_output(msg, sizeof msg - 1);
    return 0;
}
