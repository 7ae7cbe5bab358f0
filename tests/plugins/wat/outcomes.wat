;; outcomes.wasm: one export per way an Extism call can end.
;; Several exports here are meant to fail; see tests/plugins/README.md for what
;; the host observes for each one.
(module
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_load_u8"  (func $input_load_u8  (param i64) (result i32)))
  (import "extism:host/env" "alloc"          (func $alloc          (param i64) (result i64)))
  (import "extism:host/env" "store_u8"       (func $store_u8       (param i64 i32)))
  (import "extism:host/env" "output_set"     (func $output_set     (param i64 i64)))
  (import "extism:host/env" "error_set"      (func $error_set      (param i64)))
  (import "extism:host/env" "config_get"     (func $config_get     (param i64) (result i64)))

  ;; No maximum, so `grow` is limited only by the host (manifest memory.max_pages).
  (memory 1)
  (data (i32.const 0)  "bad input")          ;; 9 bytes
  (data (i32.const 16) "soft failure")       ;; 12 bytes
  (data (i32.const 32) "done")               ;; 4 bytes
  (data (i32.const 48) "partial")            ;; 7 bytes
  (data (i32.const 64) "\ff\fe\fd\41")       ;; 4 bytes, not UTF-8

  ;; `busy` writes its accumulator here so the loop has an observable effect.
  (global $sink (mut i64) (i64.const 0))

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

  (func $output (param $p i32) (param $n i32)
    (call $output_set (call $block (local.get $p) (local.get $n))
                      (i64.extend_i32_u (local.get $n))))

  (func (export "return_code") (result i32)
    (i32.const 42))

  (func (export "fail_with_message") (result i32)
    (call $error_set (call $block (i32.const 0) (i32.const 9)))
    (i32.const 1))

  ;; Deliberately breaks the "error_set pairs with non-zero" rule.
  (func (export "error_return_zero") (result i32)
    (call $error_set (call $block (i32.const 16) (i32.const 12)))
    (i32.const 0))

  ;; A live 4-byte block of NULs: the error counts (non-zero offset and length)
  ;; but reads back as an empty C string.
  (func (export "error_empty") (result i32)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 4)))
    (call $store_u8 (local.get $h) (i32.const 0))
    (call $store_u8 (i64.add (local.get $h) (i64.const 1)) (i32.const 0))
    (call $store_u8 (i64.add (local.get $h) (i64.const 2)) (i32.const 0))
    (call $store_u8 (i64.add (local.get $h) (i64.const 3)) (i32.const 0))
    (call $error_set (local.get $h))
    (i32.const 0))

  (func (export "trap") (result i32)
    (unreachable))

  (func (export "spin") (result i32)
    (loop $forever (br $forever))
    (i32.const 0))

  ;; Input: u64 LE iteration count (shorter input counts as 0). Output: "done".
  (func (export "busy") (result i32)
    (local $n i64) (local $i i64) (local $acc i64)
    (local.set $n (call $input_load_u64 (i64.const 0)))
    (block $done
      (loop $work
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 31)) (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $work)))
    (global.set $sink (local.get $acc))
    (call $output (i32.const 32) (i32.const 4))
    (i32.const 0))

  ;; Input: u32 LE N. Tries memory.grow 1 page N times; output: u32 LE count of
  ;; grows that succeeded.
  (func (export "grow") (result i32)
    (local $n i32) (local $i i32) (local $ok i32) (local $h i64)
    (local.set $n
      (i32.or
        (i32.or (call $input_load_u8 (i64.const 0))
                (i32.shl (call $input_load_u8 (i64.const 1)) (i32.const 8)))
        (i32.or (i32.shl (call $input_load_u8 (i64.const 2)) (i32.const 16))
                (i32.shl (call $input_load_u8 (i64.const 3)) (i32.const 24)))))
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1))
          (then (local.set $ok (i32.add (local.get $ok) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (local.set $h (call $alloc (i64.const 4)))
    (call $store_u8 (local.get $h) (local.get $ok))
    (call $store_u8 (i64.add (local.get $h) (i64.const 1)) (i32.shr_u (local.get $ok) (i32.const 8)))
    (call $store_u8 (i64.add (local.get $h) (i64.const 2)) (i32.shr_u (local.get $ok) (i32.const 16)))
    (call $store_u8 (i64.add (local.get $h) (i64.const 3)) (i32.shr_u (local.get $ok) (i32.const 24)))
    (call $output_set (local.get $h) (i64.const 4))
    (i32.const 0))

  ;; 12345 is not the start of a live block, so the host aborts the call.
  (func (export "bad_handle") (result i32)
    (drop (call $config_get (i64.const 12345)))
    (i32.const 0))

  (func (export "non_utf8") (result i32)
    (call $output (i32.const 64) (i32.const 4))
    (i32.const 0))

  ;; Has a parameter, so it is not a callable Extism export.
  (func (export "with_params") (param $x i32) (result i32)
    (local.get $x))

  (func (export "output_then_fail") (result i32)
    (call $output (i32.const 48) (i32.const 7))
    (i32.const 3))
)
