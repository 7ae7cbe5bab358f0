/*
 * The subset of the libextism C ABI that bench.c uses. Written from the signatures in
 * docs/libextism-abi.md section 3 because the runtime tarballs ship no extism.h; only 64-bit
 * targets are described there, and this file assumes one.
 */
#ifndef EXTISM_MIN_H
#define EXTISM_MIN_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t ExtismSize;

/* A plain C enum, so int-sized, as the runtime expects. */
typedef enum {
  ExtismValType_I32 = 0,
  ExtismValType_I64 = 1,
  ExtismValType_F32 = 2,
  ExtismValType_F64 = 3,
} ExtismValType;

typedef union {
  int32_t i32;
  int64_t i64;
  float f32;
  double f64;
} ExtismValUnion;

typedef struct {
  ExtismValType t;
  ExtismValUnion v;
} ExtismVal;

/* Opaque runtime objects: only ever handled through pointers. */
typedef struct ExtismPlugin ExtismPlugin;
typedef struct ExtismCompiledPlugin ExtismCompiledPlugin;
typedef struct ExtismFunction ExtismFunction;
typedef struct ExtismCurrentPlugin ExtismCurrentPlugin;

typedef void (*ExtismFunctionType)(ExtismCurrentPlugin *plugin, const ExtismVal *inputs, ExtismSize n_inputs,
                                   ExtismVal *outputs, ExtismSize n_outputs, void *data);

const char *extism_version(void);

ExtismFunction *extism_function_new(const char *name, const ExtismValType *inputs, ExtismSize n_inputs,
                                    const ExtismValType *outputs, ExtismSize n_outputs, ExtismFunctionType func,
                                    void *user_data, void (*free_user_data)(void *_));
void extism_function_free(ExtismFunction *f);

ExtismCompiledPlugin *extism_compiled_plugin_new(const uint8_t *wasm, ExtismSize wasm_size,
                                                 const ExtismFunction **functions, ExtismSize n_functions,
                                                 bool with_wasi, char **errmsg);
void extism_compiled_plugin_free(ExtismCompiledPlugin *plugin);

ExtismPlugin *extism_plugin_new(const uint8_t *wasm, ExtismSize wasm_size, const ExtismFunction **functions,
                                ExtismSize n_functions, bool with_wasi, char **errmsg);
ExtismPlugin *extism_plugin_new_from_compiled(const ExtismCompiledPlugin *compiled, char **errmsg);
void extism_plugin_new_error_free(char *err);
void extism_plugin_free(ExtismPlugin *plugin);

int32_t extism_plugin_call(ExtismPlugin *plugin, const char *func_name, const uint8_t *data, ExtismSize data_len);
const char *extism_plugin_error(ExtismPlugin *plugin);
ExtismSize extism_plugin_output_length(ExtismPlugin *plugin);
const uint8_t *extism_plugin_output_data(ExtismPlugin *plugin);

#endif
