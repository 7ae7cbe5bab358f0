;; logging.wasm: the five guest log levels and get_log_level.
(module
  (import "extism:host/env" "alloc"         (func $alloc         (param i64) (result i64)))
  (import "extism:host/env" "store_u8"      (func $store_u8      (param i64 i32)))
  (import "extism:host/env" "output_set"    (func $output_set    (param i64 i64)))
  (import "extism:host/env" "log_trace"     (func $log_trace     (param i64)))
  (import "extism:host/env" "log_debug"     (func $log_debug     (param i64)))
  (import "extism:host/env" "log_info"      (func $log_info      (param i64)))
  (import "extism:host/env" "log_warn"      (func $log_warn      (param i64)))
  (import "extism:host/env" "log_error"     (func $log_error     (param i64)))
  (import "extism:host/env" "get_log_level" (func $get_log_level (result i32)))

  (memory 1)
  (data (i32.const 0)  "trace message")   ;; 13 bytes
  (data (i32.const 16) "debug message")   ;; 13
  (data (i32.const 32) "info message")    ;; 12
  (data (i32.const 48) "warn message")    ;; 12
  (data (i32.const 64) "error message")   ;; 13

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

  ;; One message per level, most verbose first. Each log_* frees its block.
  (func (export "log_all") (result i32)
    (call $log_trace (call $block (i32.const 0)  (i32.const 13)))
    (call $log_debug (call $block (i32.const 16) (i32.const 13)))
    (call $log_info  (call $block (i32.const 32) (i32.const 12)))
    (call $log_warn  (call $block (i32.const 48) (i32.const 12)))
    (call $log_error (call $block (i32.const 64) (i32.const 13)))
    (i32.const 0))

  ;; Output: get_log_level() as i32 LE (0 trace .. 4 error, 2147483647 = off).
  (func (export "log_level") (result i32)
    (local $v i32) (local $h i64)
    (local.set $v (call $get_log_level))
    (local.set $h (call $alloc (i64.const 4)))
    (call $store_u8 (local.get $h) (local.get $v))
    (call $store_u8 (i64.add (local.get $h) (i64.const 1)) (i32.shr_u (local.get $v) (i32.const 8)))
    (call $store_u8 (i64.add (local.get $h) (i64.const 2)) (i32.shr_u (local.get $v) (i32.const 16)))
    (call $store_u8 (i64.add (local.get $h) (i64.const 3)) (i32.shr_u (local.get $v) (i32.const 24)))
    (call $output_set (local.get $h) (i64.const 4))
    (i32.const 0))
)
