/* frames.wasm: a guest that keeps its call frames in linear memory, the way
 * the output of the Rust, C, Go or Zig PDKs does. Every export puts a buffer
 * whose address escapes on the shadow stack (so clang moves the
 * `__stack_pointer` global on entry and back on return), copies its input into
 * an Extism block and a malloc'd buffer, and frees the malloc'd buffer when it
 * returns. A call the runtime aborts in the middle (trap, timeout, cancel,
 * fuel, out of memory, failed host call, WASI exit) never runs the epilogue:
 * its frames stay pushed and its heap buffer is never freed.
 *
 * Built with a deliberately small shadow stack (`-z stack-size`, see build.sh)
 * placed first in memory (`--stack-first`, as Rust does), so a few dozen
 * aborted calls exhaust it: the next call then traps with an out-of-bounds
 * store instead of after hundreds of calls as with a 1 MiB Rust stack. */
#include <stdlib.h>
#include "extism.h"

/* The host function the failure tests make fail: takes a block, returns a
 * block (0 = none). `spin` calls it with 0 to say "the export is running". */
__attribute__((import_module("extism:host/user"), import_name("host_op")))
uint64_t host_op(uint64_t block);

#define FRAME_BYTES 512

/* Where frames escape to: a store the compiler cannot remove, so each buffer
 * must live in memory (on the shadow stack), not in wasm locals. */
static uint8_t *volatile escaped;

__attribute__((noinline)) static void escape(uint8_t *frame) {
    escaped = frame;
    frame[0] ^= 1;
}

/* What each export does first, like a PDK's `input()`: the input as an Extism
 * block and as a heap copy. */
typedef struct {
    uint64_t len;
    uint64_t block; /* Extism memory, freed by the runtime, not by us */
    uint8_t *heap;  /* guest heap, freed only by a call that returns */
} call_input;

static void take_input(call_input *in) {
    in->len = extism_input_length();
    in->heap = malloc(in->len + 64);
    xt_input_read(in->heap, in->len);
    in->block = xt_block(in->heap, in->len);
}

/* Pushes `depth` more frames, then runs `leaf` at the bottom. */
__attribute__((noinline)) static uint64_t descend(int depth, uint64_t (*leaf)(uint64_t), uint64_t arg) {
    uint8_t frame[FRAME_BYTES / 4];
    escape(frame);
    uint64_t r = depth <= 0 ? leaf(arg) : descend(depth - 1, leaf, arg);
    escape(frame); /* the frame stays live across the call above */
    return r;
}

static uint64_t leaf_trap(uint64_t arg) {
    (void)arg;
    __builtin_trap();
}

static uint64_t leaf_spin(uint64_t arg) {
    volatile uint64_t n = arg;
    host_op(0); /* tells the host the export is running */
    for (;;)
        n = n + 1;
}

static uint64_t leaf_host(uint64_t block) {
    return host_op(block);
}

static uint64_t leaf_exit(uint64_t status) {
    exit((int)status);
}

/* Input: any bytes. Output: the same bytes. */
EXTISM_EXPORT(echo) int32_t echo(void) {
    uint8_t frame[FRAME_BYTES];
    escape(frame);
    call_input in;
    take_input(&in);
    extism_output_set(in.block, in.len);
    free(in.heap);
    return frame[0] & 0;
}

/* Input: ignored. Output: 8 bytes, the address of this call's frame (u32 LE)
 * and of a fresh 16-byte heap block (u32 LE). Both stay the same call after
 * call on a healthy instance; aborted calls make them drift. */
EXTISM_EXPORT(probe) int32_t probe(void) {
    uint8_t frame[FRAME_BYTES];
    escape(frame);
    uint8_t *heap = malloc(16);
    uint32_t out[2] = {(uint32_t)(uintptr_t)frame, (uint32_t)(uintptr_t)heap};
    xt_output(out, sizeof out);
    free(heap);
    return 0;
}

/* Input: bytes, passed to host_op as a block. Output: the block host_op
 * returns (empty for 0). */
EXTISM_EXPORT(call_host) int32_t call_host(void) {
    uint8_t frame[FRAME_BYTES];
    escape(frame);
    call_input in;
    take_input(&in);
    xt_output_block(descend(2, leaf_host, in.block));
    free(in.heap);
    return frame[0] & 0;
}

/* Input: ignored. Traps (`unreachable`) three frames down. */
EXTISM_EXPORT(trap) int32_t trap(void) {
    uint8_t frame[FRAME_BYTES];
    escape(frame);
    call_input in;
    take_input(&in);
    descend(2, leaf_trap, 0);
    free(in.heap);
    return frame[0] & 0;
}

/* Input: ignored. Calls host_op(0), then loops forever three frames down:
 * only a timeout, cancel or fuel limit ends it. */
EXTISM_EXPORT(spin) int32_t spin(void) {
    uint8_t frame[FRAME_BYTES];
    escape(frame);
    call_input in;
    take_input(&in);
    descend(2, leaf_spin, 0);
    free(in.heap);
    return frame[0] & 0;
}

/* Input: N (u32 LE). Allocates N buffers of 64 KiB on the heap (growing the
 * memory by about N pages), then frees them. Output: N (u32 LE). Past the
 * manifest's memory.max_pages the runtime fails the call (`oom`) mid-way. */
EXTISM_EXPORT(grow) int32_t grow(void) {
    uint8_t frame[FRAME_BYTES];
    escape(frame);
    call_input in;
    take_input(&in);
    uint32_t n = 0;
    for (uint64_t i = 0; i < 4 && i < in.len; i++)
        n |= (uint32_t)in.heap[i] << (8 * i);
    void **blocks = malloc(sizeof(void *) * (n + 1));
    for (uint32_t i = 0; i < n; i++) {
        blocks[i] = malloc(65536);
        if (blocks[i] == NULL)
            return xt_fail("malloc returned NULL");
        ((volatile uint8_t *)blocks[i])[0] = 1;
    }
    for (uint32_t i = 0; i < n; i++)
        free(blocks[i]);
    free(blocks);
    xt_output(&n, 4);
    free(in.heap);
    return frame[0] & 0;
}

/* Input: ignored. Calls exit(3) (WASI proc_exit) three frames down. */
EXTISM_EXPORT(exit_3) int32_t exit_3(void) {
    uint8_t frame[FRAME_BYTES];
    escape(frame);
    call_input in;
    take_input(&in);
    descend(2, leaf_exit, 3);
    free(in.heap);
    return frame[0] & 0;
}
