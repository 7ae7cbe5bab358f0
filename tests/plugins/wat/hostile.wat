;; hostile.wasm: a guest that attacks its host through the Extism kernel's bookkeeping, which
;; lives in the kernel memory the guest can write with store_u64 (tests/Extism.Sdk.Hostile.Tests).
;;
;; Kernel memory layout (extism kernel/src/lib.rs, wasm32): the MemoryRoot sits at offset 1:
;;   position @9, length @17 (bytes available to blocks, `memory_bytes`; the kernel counts
;;   from one page, but its memory starts with 16), error @25, input_offset @33, input_length @41, output_offset @49,
;;   output_length @57, blocks from @65. A block's header is the 12 bytes before its data:
;;   status @-12 (u8), size @-8 (u32), used @-4 (u32); `length` reports `used`.
;; The kernel's load/store functions refuse an access whose last byte is below offset 64, so of
;; the root only output_length can be overwritten (store_u64 at 57); block headers all can.
;;
;; Every export reads its parameters from the input as little-endian u64s: p0 at 0, p1 at 8.
;; A host function is chosen by selector (p1 where noted): 1 h_str (ForStrings), 2 h_bytes
;; (ForBytes), 3 h_json (ForJson), 4 h_gen (a generated [HostFunction] with a string
;; parameter), 5 h_fill (BlockLength, then WriteBytes(offset, ...)), 6 h_read
;; (CurrentPlugin.ReadBytes), 7 h_big (ForStrings returning 2 MiB), 8 h_bigbytes (ForBytes
;; returning 2 MiB).
(module
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "alloc"          (func $alloc          (param i64) (result i64)))
  (import "extism:host/env" "free"           (func $free           (param i64)))
  (import "extism:host/env" "length"         (func $length         (param i64) (result i64)))
  (import "extism:host/env" "load_u64"       (func $load_u64       (param i64) (result i64)))
  (import "extism:host/env" "store_u64"      (func $store_u64      (param i64 i64)))
  (import "extism:host/env" "output_set"     (func $output_set     (param i64 i64)))
  (import "extism:host/env" "error_set"      (func $error_set      (param i64)))
  (import "extism:host/env" "config_get"     (func $config_get     (param i64) (result i64)))
  (import "extism:host/env" "var_set"        (func $var_set        (param i64 i64)))
  (import "extism:host/user" "h_str"      (func $h_str      (param i64) (result i64)))
  (import "extism:host/user" "h_bytes"    (func $h_bytes    (param i64) (result i64)))
  (import "extism:host/user" "h_json"     (func $h_json     (param i64) (result i64)))
  (import "extism:host/user" "h_gen"      (func $h_gen      (param i64) (result i64)))
  (import "extism:host/user" "h_fill"     (func $h_fill     (param i64) (result i64)))
  (import "extism:host/user" "h_read"     (func $h_read     (param i64) (result i64)))
  (import "extism:host/user" "h_big"      (func $h_big      (param i64) (result i64)))
  (import "extism:host/user" "h_bigbytes" (func $h_bigbytes (param i64) (result i64)))

  (func $p0 (result i64) (call $input_load_u64 (i64.const 0)))
  (func $p1 (result i64) (call $input_load_u64 (i64.const 8)))

  ;; The kernel memory's real size in bytes (a multiple of 64 KiB), found by binary search over
  ;; pages: the kernel's store_u64 silently ignores an address past the end, so a page is inside
  ;; when a changed word at its end reads back changed (the word is restored).
  (func $memsize (result i64) (local $lo i64) (local $hi i64) (local $mid i64) (local $p i64) (local $v i64)
    (local.set $lo (i64.const 1))
    (local.set $hi (i64.const 65537))
    (block $done
      (loop $next
        (br_if $done (i64.le_u (i64.sub (local.get $hi) (local.get $lo)) (i64.const 1)))
        (local.set $mid (i64.shr_u (i64.add (local.get $lo) (local.get $hi)) (i64.const 1)))
        (local.set $p (i64.sub (i64.shl (local.get $mid) (i64.const 16)) (i64.const 8)))
        (local.set $v (call $load_u64 (local.get $p)))
        (call $store_u64 (local.get $p) (i64.xor (local.get $v) (i64.const 1)))
        (if (i64.eq (call $load_u64 (local.get $p)) (i64.xor (local.get $v) (i64.const 1)))
          (then (call $store_u64 (local.get $p) (local.get $v)) (local.set $lo (local.get $mid)))
          (else (local.set $hi (local.get $mid))))
        (br $next)))
    (i64.shl (local.get $lo) (i64.const 16)))

  (func $host (param $sel i64) (param $arg i64) (result i64)
    (if (i64.eq (local.get $sel) (i64.const 1)) (then (return (call $h_str (local.get $arg)))))
    (if (i64.eq (local.get $sel) (i64.const 2)) (then (return (call $h_bytes (local.get $arg)))))
    (if (i64.eq (local.get $sel) (i64.const 3)) (then (return (call $h_json (local.get $arg)))))
    (if (i64.eq (local.get $sel) (i64.const 4)) (then (return (call $h_gen (local.get $arg)))))
    (if (i64.eq (local.get $sel) (i64.const 5)) (then (return (call $h_fill (local.get $arg)))))
    (if (i64.eq (local.get $sel) (i64.const 6)) (then (return (call $h_read (local.get $arg)))))
    (if (i64.eq (local.get $sel) (i64.const 7)) (then (return (call $h_big (local.get $arg)))))
    (if (i64.eq (local.get $sel) (i64.const 8)) (then (return (call $h_bigbytes (local.get $arg)))))
    (unreachable))

  ;; A 16-byte block holding `"ab"` padded with spaces (valid JSON and UTF-8), whose header then
  ;; claims `used` bytes; used = 0 claims one byte past the end of the memory.
  (func $forged_block (param $used i64) (result i64) (local $b i64)
    (local.set $b (call $alloc (i64.const 16)))
    (call $store_u64 (local.get $b) (i64.const 0x2020202020226261))
    (call $store_u64 (i64.add (local.get $b) (i64.const 8)) (i64.const 0x2020202020202020))
    (if (i64.eqz (local.get $used))
      (then (local.set $used (i64.add (i64.sub (call $memsize) (local.get $b)) (i64.const 1)))))
    (call $store_u64 (i64.sub (local.get $b) (i64.const 8))
      (i64.or (i64.shl (local.get $used) (i64.const 32)) (i64.const 16)))
    (local.get $b))

  ;; A forged block (p0 = claimed length, 0 = one past the end) handed to host function p1.
  (func (export "forge_call") (result i32)
    (drop (call $host (call $p1) (call $forged_block (call $p0))))
    (i32.const 0))

  ;; A raw offset p0 handed to host function p1 (bogus offsets: the regression cases).
  (func (export "bogus_call") (result i32)
    (drop (call $host (call $p1) (call $p0)))
    (i32.const 0))

  ;; An offset 4 bytes before the end of the memory, to host function p1.
  (func (export "end_call") (result i32)
    (drop (call $host (call $p1) (i64.sub (call $memsize) (i64.const 4))))
    (i32.const 0))

  ;; A freed block, to host function p1.
  (func (export "freed_call") (result i32) (local $b i64)
    (local.set $b (call $alloc (i64.const 16)))
    (call $free (local.get $b))
    (drop (call $host (call $p1) (local.get $b)))
    (i32.const 0))

  ;; The output is a real 16-byte block whose length is then rewritten in the root to p0
  ;; (0 = one byte past the end of the memory).
  (func (export "out_len") (result i32) (local $b i64) (local $n i64)
    (local.set $b (call $alloc (i64.const 16)))
    (call $output_set (local.get $b) (i64.const 16))
    (local.set $n (call $p0))
    (if (i64.eqz (local.get $n))
      (then (local.set $n (i64.add (i64.sub (call $memsize) (local.get $b)) (i64.const 1)))))
    (call $store_u64 (i64.const 57) (local.get $n))
    (i32.const 0))

  ;; The output set, through the kernel's own output_set, to a forged block claiming p0 bytes
  ;; (0 = one past the end); the kernel refuses a range past its root's length, which the guest
  ;; cannot forge, and keeps the empty output.
  (func (export "out_forged_block") (result i32) (local $b i64)
    (local.set $b (call $forged_block (call $p0)))
    (call $output_set (local.get $b) (call $length (local.get $b)))
    (i32.const 0))

  ;; The kernel's allocator is led to hand out a block that runs past the end of the memory: a
  ;; 4 MiB block, then a 16-byte block X at the end of what the kernel counts (its memory has 15
  ;; pages more than it counts), freed, whose header then claims a size of 2 MiB + 10. The host's
  ;; next 2 MiB allocation (h_big, h_bigbytes: selector p1) does not fit in what the kernel thinks
  ;; is left, so it reuses X whole (it splits a free block only with 128 bytes to spare).
  (func (export "alloc_forge") (result i32) (local $x i64)
    (drop (call $alloc (i64.const 0x400000)))
    (local.set $x (call $alloc (i64.const 16)))
    (call $free (local.get $x))
    (call $store_u64 (i64.sub (local.get $x) (i64.const 8)) (i64.const 0x100020000a))
    (drop (call $host (call $p1) (i64.const 0)))
    (i32.const 0))

  ;; Inside libextism (no SDK code on the path): an error message, a config key and a var key in
  ;; forged blocks claiming 16 MiB.
  (func (export "error_forge") (result i32)
    (call $error_set (call $forged_block (i64.const 0x1000000)))
    (i32.const 1))
  (func (export "config_forge") (result i32)
    (drop (call $config_get (call $forged_block (i64.const 0x1000000))))
    (i32.const 0))
  (func (export "var_forge") (result i32)
    (call $var_set (call $forged_block (i64.const 0x1000000)) (i64.const 0))
    (i32.const 0))

  ;; Grows the memory by p0 bytes in one block and has the host read all of it (h_read), so the
  ;; host has seen a memory that large; `_start` does the same and makes libextism replace the
  ;; store at the next call.
  (func $grow_and_read (local $b i64)
    (local.set $b (call $alloc (call $p0)))
    (if (i64.eqz (local.get $b)) (then (unreachable)))
    (drop (call $h_read (local.get $b))))
  (func (export "grow") (result i32) (call $grow_and_read) (i32.const 0))
  (func (export "_start") (call $grow_and_read))

  ;; Output: the kernel memory's size as 8 little-endian bytes (shows whether the store was replaced).
  (func (export "mem_size") (result i32) (local $b i64)
    (local.set $b (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $b) (call $memsize))
    (call $output_set (local.get $b) (i64.const 8))
    (i32.const 0))

  ;; Output: "hello", with no host call (the base of a replaced store must be learned without one).
  (func (export "hello") (result i32) (local $b i64)
    (local.set $b (call $alloc (i64.const 5)))
    (call $store_u64 (local.get $b) (i64.const 0x6f6c6c6568))
    (call $output_set (local.get $b) (i64.const 5))
    (i32.const 0)))
