/*
 * C floor for the .NET benchmarks: the same plug-ins, inputs and call sequence as
 * Extism.Sdk.Benchmarks, driven straight through libextism. Every call checks the return code
 * and the error string and reads the output pointer and length, because a correct host must
 * (and the .NET SDK does); the output is then read in place, which is what a C host gets for free.
 *
 * Discipline: per case a warm-up, then RUNS timed runs of a batch sized to TARGET time;
 * the reported figure is the median ns/op over the runs (CLOCK_MONOTONIC).
 *
 * Usage: bench <plugin-dir> [--quick]
 * Prints "# ..." comment lines, then one "case<TAB>ns_per_op" line per case.
 * Built with -DBENCH_SHARED it is instead a library for the .NET suite's --paired mode.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extism_min.h"

static volatile uint64_t g_sink; /* keeps the in-place output reads from being optimised away */

/* Wall time, unless the library's caller asks for this thread's CPU time (see bench_set_clock). */
static clockid_t g_clock = CLOCK_MONOTONIC;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(g_clock, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "bench: %s: %s\n", what, detail ? detail : "(no message)");
  exit(1);
}

/* ---- plug-in creation ---------------------------------------------------------------- */

/* Same manifest shape the .NET side sends for a PathWasmSource: the runtime reads the file. */
static char *manifest_for(const char *dir, const char *file) {
  size_t n = strlen(dir) + strlen(file) + 64;
  char *json = malloc(n);
  snprintf(json, n, "{\"wasm\":[{\"path\":\"%s/%s\"}]}", dir, file);
  return json;
}

static ExtismPlugin *new_plugin(const char *manifest, const ExtismFunction **fns, ExtismSize nfns) {
  char *err = NULL;
  ExtismPlugin *p = extism_plugin_new((const uint8_t *)manifest, strlen(manifest), fns, nfns, false, &err);
  if (p == NULL) die("extism_plugin_new", err);
  return p;
}

static void add_one(ExtismCurrentPlugin *plugin, const ExtismVal *inputs, ExtismSize n_inputs, ExtismVal *outputs,
                    ExtismSize n_outputs, void *data) {
  (void)plugin; (void)n_inputs; (void)n_outputs; (void)data;
  outputs[0].v.i64 = inputs[0].v.i64 + 1;
}

/* ---- one checked call, as a correct host makes it ------------------------------------ */

static const uint8_t g_dummy = 0; /* libextism never accepts a NULL data pointer, even for length 0 */

static void call_checked(ExtismPlugin *p, const char *name, const uint8_t *in, size_t len) {
  int32_t rc = extism_plugin_call(p, name, in ? in : &g_dummy, len);
  const char *error = extism_plugin_error(p);
  if (rc != 0 || error != NULL) die(name, error ? error : "non-zero return code");
  ExtismSize n = extism_plugin_output_length(p);
  if (n > 0) {
    const uint8_t *out = extism_plugin_output_data(p);
    g_sink += out[0] + out[n - 1];
  }
}

/* ---- cases ----------------------------------------------------------------------------- */

typedef struct {
  ExtismPlugin *plugin;
  const char *export_name;
  const uint8_t *input;
  size_t len;
  ExtismCompiledPlugin *compiled; /* P6 instantiate */
  const char *manifest;           /* P6 new */
} Ctx;

static void op_call(Ctx *c) { call_checked(c->plugin, c->export_name, c->input, c->len); }

static void op_instantiate_first_call(Ctx *c) {
  char *err = NULL;
  ExtismPlugin *p = extism_plugin_new_from_compiled(c->compiled, &err);
  if (p == NULL) die("extism_plugin_new_from_compiled", err);
  call_checked(p, "noop", NULL, 0);
  extism_plugin_free(p);
}

static void op_new_first_call(Ctx *c) {
  ExtismPlugin *p = new_plugin(c->manifest, NULL, 0);
  call_checked(p, "noop", NULL, 0);
  extism_plugin_free(p);
}

#ifndef BENCH_SHARED /* the program's own timing loop; the library build is timed by its caller */
static int g_runs = 15;
static double g_warm_ns = 300e6;
static double g_target_ns = 200e6;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Warm-up, batch sizing from the warm-up rate, then the median of g_runs timed batches. */
static void measure(const char *name, void (*op)(Ctx *), Ctx *c) {
  long warm_ops = 0;
  double start = now_ns(), elapsed;
  do {
    op(c);
    warm_ops++;
    elapsed = now_ns() - start;
  } while (elapsed < g_warm_ns || warm_ops < 2);
  long batch = (long)(g_target_ns / (elapsed / (double)warm_ops));
  if (batch < 1) batch = 1;

  double per_op[64];
  for (int r = 0; r < g_runs; r++) {
    double t0 = now_ns();
    for (long i = 0; i < batch; i++) op(c);
    per_op[r] = (now_ns() - t0) / (double)batch;
  }
  qsort(per_op, (size_t)g_runs, sizeof per_op[0], cmp_double);
  double median = (g_runs % 2) ? per_op[g_runs / 2] : (per_op[g_runs / 2 - 1] + per_op[g_runs / 2]) / 2;
  printf("%s\t%.1f\n", name, median);
  fflush(stdout);
}
#endif

/* Inputs built exactly as Inputs.cs builds them on the .NET side. */
static uint8_t *text_input(size_t n) {
  static const char phrase[] = "The quick brown fox jumps over the lazy dog. ";
  uint8_t *b = malloc(n);
  for (size_t i = 0; i < n; i++) b[i] = (uint8_t)phrase[i % (sizeof phrase - 1)];
  return b;
}

static uint8_t *pattern_input(size_t n) {
  uint8_t *b = malloc(n);
  for (size_t i = 0; i < n; i++) b[i] = (uint8_t)(i * 31 + 7);
  return b;
}

/* ---- the cases, shared by the program and the library build ---------------------------- */

typedef struct {
  const char *name;
  void (*op)(Ctx *);
  Ctx ctx;
} Case;

static Case g_cases[16];
static int g_ncases;

static void add_case(const char *name, void (*op)(Ctx *), Ctx ctx) {
  g_cases[g_ncases].name = name;
  g_cases[g_ncases].op = op;
  g_cases[g_ncases].ctx = ctx;
  g_ncases++;
}

/* Plug-ins and inputs live for the whole process: the benchmark measures calls, not setup. */
static void setup(const char *dir) {
  char *echo_manifest = manifest_for(dir, "echo.wasm");
  char *vowels_manifest = manifest_for(dir, "count_vowels.wasm");
  char *loop_manifest = manifest_for(dir, "host_loop.wasm");

  ExtismPlugin *echo = new_plugin(echo_manifest, NULL, 0);
  ExtismPlugin *vowels = new_plugin(vowels_manifest, NULL, 0);
  ExtismValType i64 = ExtismValType_I64;
  ExtismFunction *fn = extism_function_new("add_one", &i64, 1, &i64, 1, add_one, NULL, NULL);
  if (fn == NULL) die("extism_function_new", NULL);
  const ExtismFunction *fns[] = {fn};
  ExtismPlugin *loop = new_plugin(loop_manifest, fns, 1);
  extism_function_free(fn); /* the shell stays ours after registration */

  char *err = NULL;
  ExtismCompiledPlugin *compiled =
      extism_compiled_plugin_new((const uint8_t *)echo_manifest, strlen(echo_manifest), NULL, 0, false, &err);
  if (compiled == NULL) die("extism_compiled_plugin_new", err);

  uint8_t *text4k = text_input(4096);
  uint8_t *data64k = pattern_input(64 * 1024);
  uint8_t *data1m = pattern_input(1024 * 1024);
  static uint8_t n0[8] = {0};
  static uint8_t n1000[8] = {0xE8, 0x03, 0, 0, 0, 0, 0, 0}; /* 1000 as u64 LE */

  add_case("P1_Noop", op_call, (Ctx){.plugin = echo, .export_name = "noop"});
  add_case("P2_CountVowels4K", op_call, (Ctx){.plugin = vowels, .export_name = "count_vowels", .input = text4k, .len = 4096});
  add_case("P3_HostLoop_N0", op_call, (Ctx){.plugin = loop, .export_name = "loop", .input = n0, .len = 8});
  add_case("P3_HostLoop_N1000", op_call, (Ctx){.plugin = loop, .export_name = "loop", .input = n1000, .len = 8});
  /* Reference for the .NET string call, which echoes 4 KiB of text. */
  add_case("P7_Echo4K", op_call, (Ctx){.plugin = echo, .export_name = "echo", .input = text4k, .len = 4096});
  add_case("P4_Echo64K", op_call, (Ctx){.plugin = echo, .export_name = "echo", .input = data64k, .len = 64 * 1024});
  add_case("P4_Echo1M", op_call, (Ctx){.plugin = echo, .export_name = "echo", .input = data1m, .len = 1024 * 1024});
  add_case("P6_Instantiate_FirstCall", op_instantiate_first_call, (Ctx){.compiled = compiled});
  add_case("P6_New_FirstCall", op_new_first_call, (Ctx){.manifest = echo_manifest});
  /* Everything above is deliberately kept until exit: the cases refer to it. */
  free(vowels_manifest);
  free(loop_manifest);
}

#ifdef BENCH_SHARED
/*
 * Library build (-DBENCH_SHARED -shared -fPIC), for the .NET suite's --paired mode: it alternates
 * batches of these C operations with batches of the SDK's, in one process, so that load from
 * other processes hits both sides alike.
 */
__attribute__((visibility("default"))) int bench_setup(const char *dir) {
  if (g_ncases == 0) setup(dir);
  return g_ncases;
}

/*
 * 1: time with this thread's CPU time instead of wall time. On a loaded machine the process is
 * descheduled at random for milliseconds; CPU time leaves that out (for both sides alike, since
 * the caller times its own batches with bench_now_ns).
 */
__attribute__((visibility("default"))) void bench_set_clock(int thread_cpu) {
  g_clock = thread_cpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
}

__attribute__((visibility("default"))) double bench_now_ns(void) { return now_ns(); }

/* Runs `iters` operations of the named case; returns the elapsed ns, or -1 for an unknown case. */
__attribute__((visibility("default"))) double bench_run(const char *name, long iters) {
  for (int i = 0; i < g_ncases; i++) {
    if (strcmp(g_cases[i].name, name) != 0) continue;
    double t0 = now_ns();
    for (long k = 0; k < iters; k++) g_cases[i].op(&g_cases[i].ctx);
    return now_ns() - t0;
  }
  return -1;
}
#else
int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <plugin-dir> [--quick]\n", argv[0]);
    return 2;
  }
  if (argc > 2 && strcmp(argv[2], "--quick") == 0) {
    g_runs = 5;
    g_warm_ns = 30e6;
    g_target_ns = 40e6;
  }
  printf("# libextism %s, runs %d, batch target %.0f ms\n", extism_version(), g_runs, g_target_ns / 1e6);
  setup(argv[1]);
  for (int i = 0; i < g_ncases; i++) measure(g_cases[i].name, g_cases[i].op, &g_cases[i].ctx);
  return 0;
}
#endif
