;; config_vars.wasm: manifest config (read-only) and plug-in vars (persist
;; between calls). No WASI.
(module
  (import "extism:host/env" "input_length"   (func $input_length   (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_load_u8"  (func $input_load_u8  (param i64) (result i32)))
  (import "extism:host/env" "alloc"          (func $alloc          (param i64) (result i64)))
  (import "extism:host/env" "length"         (func $length         (param i64) (result i64)))
  (import "extism:host/env" "load_u64"       (func $load_u64       (param i64) (result i64)))
  (import "extism:host/env" "store_u64"      (func $store_u64      (param i64 i64)))
  (import "extism:host/env" "store_u8"       (func $store_u8       (param i64 i32)))
  (import "extism:host/env" "output_set"     (func $output_set     (param i64 i64)))
  (import "extism:host/env" "config_get"     (func $config_get     (param i64) (result i64)))
  (import "extism:host/env" "var_get"        (func $var_get        (param i64) (result i64)))
  (import "extism:host/env" "var_set"        (func $var_set        (param i64 i64)))

  (memory 1)
  (data (i32.const 0) "count")   ;; 5 bytes
  (data (i32.const 8) "k")       ;; 1 byte

  ;; Copies $n bytes of this module's memory at $p into a new Extism block.
  (func $block (param $p i32) (param $n i32) (result i64)
    (local $h i64) (local $i i32)
    (local.set $h (call $alloc (i64.extend_i32_u (local.get $n))))
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $store_u8
          (i64.add (local.get $h) (i64.extend_i32_u (local.get $i)))
          (i32.load8_u (i32.add (local.get $p) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (local.get $h))

  ;; A fresh block holding a copy of the input (0 for empty input). The built-ins
  ;; free the blocks they are given, so the input block itself is never passed.
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

  ;; Outputs a whole block; 0 (absent or empty) leaves the output empty.
  (func $output_block (param $h i64)
    (if (i64.ne (local.get $h) (i64.const 0))
      (then (call $output_set (local.get $h) (call $length (local.get $h))))))

  (func $output_u64 (param $v i64)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (local.get $v))
    (call $output_set (local.get $h) (i64.const 8)))

  ;; Input: key. Output: the config value, empty if the key is absent.
  (func (export "config_get") (result i32)
    (call $output_block (call $config_get (call $input_copy)))
    (i32.const 0))

  ;; var "count" (u64 LE; absent or shorter than 8 bytes counts as 0) + 1,
  ;; stored back and output as u64 LE.
  (func (export "var_count") (result i32)
    (local $r i64) (local $v i64) (local $val i64)
    (local.set $r (call $var_get (call $block (i32.const 0) (i32.const 5))))
    (if (i64.ge_u (call $length (local.get $r)) (i64.const 8))
      (then (local.set $v (call $load_u64 (local.get $r)))))
    (local.set $v (i64.add (local.get $v) (i64.const 1)))
    (local.set $val (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $val) (local.get $v))
    (call $var_set (call $block (i32.const 0) (i32.const 5)) (local.get $val))
    (call $output_u64 (local.get $v))
    (i32.const 0))

  ;; var "k" = input. Empty input deletes "k".
  (func (export "var_put") (result i32)
    (call $var_set (call $block (i32.const 8) (i32.const 1)) (call $input_copy))
    (i32.const 0))

  ;; Output: var "k", empty if unset.
  (func (export "var_get") (result i32)
    (call $output_block (call $var_get (call $block (i32.const 8) (i32.const 1))))
    (i32.const 0))
)
