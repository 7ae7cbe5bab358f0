;; host_ns.wasm: a user host function registered under a custom namespace.
(module
  (import "extism:host/env" "alloc"      (func $alloc      (param i64) (result i64)))
  (import "extism:host/env" "store_u64"  (func $store_u64  (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "my-namespace" "answer" (func $answer (result i64)))

  ;; Output: answer() as u64 LE.
  (func (export "call_answer") (result i32)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (call $answer))
    (call $output_set (local.get $h) (i64.const 8))
    (i32.const 0))
)
