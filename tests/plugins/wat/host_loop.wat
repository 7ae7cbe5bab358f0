;; host_loop.wasm: per-host-call cost benchmark.
(module
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "alloc"          (func $alloc          (param i64) (result i64)))
  (import "extism:host/env" "store_u64"      (func $store_u64      (param i64 i64)))
  (import "extism:host/env" "output_set"     (func $output_set     (param i64 i64)))
  (import "extism:host/user" "add_one" (func $add_one (param i64) (result i64)))

  ;; Input: u64 LE N. v = 0; N times v = add_one(v). Output: v as u64 LE.
  (func (export "loop") (result i32)
    (local $n i64) (local $v i64) (local $h i64)
    (local.set $n (call $input_load_u64 (i64.const 0)))
    (if (i64.ne (local.get $n) (i64.const 0))
      (then
        (loop $again
          (local.set $v (call $add_one (local.get $v)))
          (local.set $n (i64.sub (local.get $n) (i64.const 1)))
          (br_if $again (i64.ne (local.get $n) (i64.const 0))))))
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (local.get $v))
    (call $output_set (local.get $h) (i64.const 8))
    (i32.const 0))
)
