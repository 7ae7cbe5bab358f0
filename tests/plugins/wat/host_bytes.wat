;; host_bytes.wasm: bytes to and from a user host function by block offset.
(module
  (import "extism:host/env" "input_length"   (func $input_length   (result i64)))
  (import "extism:host/env" "input_offset"   (func $input_offset   (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_load_u8"  (func $input_load_u8  (param i64) (result i32)))
  (import "extism:host/env" "alloc"          (func $alloc          (param i64) (result i64)))
  (import "extism:host/env" "length"         (func $length         (param i64) (result i64)))
  (import "extism:host/env" "store_u64"      (func $store_u64      (param i64 i64)))
  (import "extism:host/env" "store_u8"       (func $store_u8       (param i64 i32)))
  (import "extism:host/env" "output_set"     (func $output_set     (param i64 i64)))
  (import "extism:host/user" "transform" (func $transform (param i64) (result i64)))

  ;; A fresh block holding a copy of the input (0 for empty input).
  (func $input_copy (result i64)
    (local $len i64) (local $words i64) (local $h i64) (local $i i64)
    (local.set $len (call $input_length))
    (local.set $h (call $alloc (local.get $len)))
    (local.set $words (i64.and (local.get $len) (i64.const -8)))
    (block $done
      (loop $word
        (br_if $done (i64.ge_u (local.get $i) (local.get $words)))
        (call $store_u64 (i64.add (local.get $h) (local.get $i))
                         (call $input_load_u64 (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 8)))
        (br $word)))
    (block $done
      (loop $byte
        (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
        (call $store_u8 (i64.add (local.get $h) (local.get $i))
                        (call $input_load_u8 (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $byte)))
    (local.get $h))

  ;; Output: the whole block the host returned; 0 gives an empty output.
  (func $output_block (param $h i64)
    (if (i64.ne (local.get $h) (i64.const 0))
      (then (call $output_set (local.get $h) (call $length (local.get $h))))))

  ;; transform(copy of input); empty input passes offset 0.
  (func (export "call_transform") (result i32)
    (call $output_block (call $transform (call $input_copy)))
    (i32.const 0))

  ;; transform(input_offset()): the host reads the input block itself.
  (func (export "call_transform_input") (result i32)
    (call $output_block (call $transform (call $input_offset)))
    (i32.const 0))
)
