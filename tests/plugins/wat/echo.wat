;; echo.wasm: the smallest useful plug-in, also the copy-speed benchmark.
;;   echo  output = input (8-byte words, then a byte tail); empty in -> empty out
;;   noop  imports nothing, returns 0 (measures bare call overhead)
(module
  (import "extism:host/env" "input_length"   (func $input_length   (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_load_u8"  (func $input_load_u8  (param i64) (result i32)))
  (import "extism:host/env" "alloc"          (func $alloc          (param i64) (result i64)))
  (import "extism:host/env" "store_u64"      (func $store_u64      (param i64 i64)))
  (import "extism:host/env" "store_u8"       (func $store_u8       (param i64 i32)))
  (import "extism:host/env" "output_set"     (func $output_set     (param i64 i64)))

  (func (export "echo") (result i32)
    (local $len i64) (local $words i64) (local $out i64) (local $i i64)
    (local.set $len (call $input_length))
    (if (i64.eqz (local.get $len)) (then (return (i32.const 0))))
    (local.set $out (call $alloc (local.get $len)))
    ;; whole words: input_load_u64 returns 0 unless all 8 bytes exist
    (local.set $words (i64.and (local.get $len) (i64.const -8)))
    (if (i64.ne (local.get $words) (i64.const 0))
      (then
        (loop $word
          (call $store_u64
            (i64.add (local.get $out) (local.get $i))
            (call $input_load_u64 (local.get $i)))
          (local.set $i (i64.add (local.get $i) (i64.const 8)))
          (br_if $word (i64.lt_u (local.get $i) (local.get $words))))))
    ;; the last 0..7 bytes
    (block $done
      (loop $byte
        (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
        (call $store_u8
          (i64.add (local.get $out) (local.get $i))
          (call $input_load_u8 (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $byte)))
    (call $output_set (local.get $out) (local.get $len))
    (i32.const 0))

  (func (export "noop") (result i32)
    (i32.const 0))
)
