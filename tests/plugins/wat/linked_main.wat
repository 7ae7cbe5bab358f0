;; linked_main.wasm: the "main" module of a two-module manifest; its import
;; is satisfied by the module named "lib" (linked_lib.wasm).
(module
  (import "extism:host/env" "alloc"      (func $alloc      (param i64) (result i64)))
  (import "extism:host/env" "store_u64"  (func $store_u64  (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "lib" "get_value" (func $get_value (result i64)))

  ;; Output: lib.get_value() as u64 LE (42).
  (func (export "run") (result i32)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (call $get_value))
    (call $output_set (local.get $h) (i64.const 8))
    (i32.const 0))
)
