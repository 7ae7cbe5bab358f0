;; hostile_second_start.wasm: a start function that returns the first time and never returns
;; from the second instantiation on. It asks the host how often it ran (host function
;; "extism:host/user" "start_count", which counts its own calls). libextism runs the main module's
;; start function once while creating the plug-in (extism_plugin_new_from_compiled) and again
;; when it instantiates the module lazily inside the first extism_plugin_call, before the call's
;; timer starts: so creation succeeds and the first call spins.
;;   noop  returns 0
(module
  (import "extism:host/user" "start_count" (func $start_count (result i64)))
  (func $start
    (if (i64.ge_u (call $start_count) (i64.const 2))
      (then (loop $forever (br $forever)))))
  (start $start)
  (func (export "noop") (result i32) (i32.const 0)))
