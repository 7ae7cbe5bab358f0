;; host_types.wasm: every scalar wasm type through user host functions.
;; Floats travel as raw bits in and out, so NaN payloads and -0.0 are visible.
;; Short input: a missing byte of a 4-byte value reads as 0; an 8-byte value
;; that is not wholly present reads as 0 (input_load_u64 semantics).
(module
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_load_u8"  (func $input_load_u8  (param i64) (result i32)))
  (import "extism:host/env" "alloc"          (func $alloc          (param i64) (result i64)))
  (import "extism:host/env" "store_u64"      (func $store_u64      (param i64 i64)))
  (import "extism:host/env" "store_u8"       (func $store_u8       (param i64 i32)))
  (import "extism:host/env" "output_set"     (func $output_set     (param i64 i64)))
  (import "extism:host/user" "round_i32" (func $round_i32 (param i32) (result i32)))
  (import "extism:host/user" "round_i64" (func $round_i64 (param i64) (result i64)))
  (import "extism:host/user" "round_f32" (func $round_f32 (param f32) (result f32)))
  (import "extism:host/user" "round_f64" (func $round_f64 (param f64) (result f64)))
  (import "extism:host/user" "sum8"
    (func $sum8 (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "extism:host/user" "mix" (func $mix (param i32 i64 f32 f64) (result f64)))

  ;; u32 LE at input index $i, byte by byte (input_load_u64 needs 8 bytes).
  (func $in_u32 (param $i i64) (result i32)
    (i32.or
      (i32.or (call $input_load_u8 (local.get $i))
              (i32.shl (call $input_load_u8 (i64.add (local.get $i) (i64.const 1))) (i32.const 8)))
      (i32.or (i32.shl (call $input_load_u8 (i64.add (local.get $i) (i64.const 2))) (i32.const 16))
              (i32.shl (call $input_load_u8 (i64.add (local.get $i) (i64.const 3))) (i32.const 24)))))

  (func $out_u32 (param $v i32)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 4)))
    (call $store_u8 (local.get $h) (local.get $v))
    (call $store_u8 (i64.add (local.get $h) (i64.const 1)) (i32.shr_u (local.get $v) (i32.const 8)))
    (call $store_u8 (i64.add (local.get $h) (i64.const 2)) (i32.shr_u (local.get $v) (i32.const 16)))
    (call $store_u8 (i64.add (local.get $h) (i64.const 3)) (i32.shr_u (local.get $v) (i32.const 24)))
    (call $output_set (local.get $h) (i64.const 4)))

  (func $out_u64 (param $v i64)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (local.get $v))
    (call $output_set (local.get $h) (i64.const 8)))

  (func (export "call_i32") (result i32)
    (call $out_u32 (call $round_i32 (call $in_u32 (i64.const 0))))
    (i32.const 0))

  (func (export "call_i64") (result i32)
    (call $out_u64 (call $round_i64 (call $input_load_u64 (i64.const 0))))
    (i32.const 0))

  (func (export "call_f32") (result i32)
    (call $out_u32
      (i32.reinterpret_f32
        (call $round_f32 (f32.reinterpret_i32 (call $in_u32 (i64.const 0))))))
    (i32.const 0))

  (func (export "call_f64") (result i32)
    (call $out_u64
      (i64.reinterpret_f64
        (call $round_f64 (f64.reinterpret_i64 (call $input_load_u64 (i64.const 0))))))
    (i32.const 0))

  ;; Input: 8 x u64 LE (64 bytes). Output: sum8(...) as u64 LE.
  (func (export "call_sum8") (result i32)
    (call $out_u64
      (call $sum8
        (call $input_load_u64 (i64.const 0))
        (call $input_load_u64 (i64.const 8))
        (call $input_load_u64 (i64.const 16))
        (call $input_load_u64 (i64.const 24))
        (call $input_load_u64 (i64.const 32))
        (call $input_load_u64 (i64.const 40))
        (call $input_load_u64 (i64.const 48))
        (call $input_load_u64 (i64.const 56))))
    (i32.const 0))

  ;; Input (24 bytes): i32 @0, i64 @4, f32 bits @12, f64 bits @16.
  ;; Output: mix(...) as 8 bytes of raw f64 bits.
  (func (export "call_mix") (result i32)
    (call $out_u64
      (i64.reinterpret_f64
        (call $mix
          (call $in_u32 (i64.const 0))
          (call $input_load_u64 (i64.const 4))
          (f32.reinterpret_i32 (call $in_u32 (i64.const 12)))
          (f64.reinterpret_i64 (call $input_load_u64 (i64.const 16))))))
    (i32.const 0))
)
