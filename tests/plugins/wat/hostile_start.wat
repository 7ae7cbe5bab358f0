;; hostile_start.wasm: a plug-in whose wasm start function never returns (an attacker's
;; way to run code outside any export). libextism runs the start function when it instantiates
;; the main module: lazily, inside the first extism_plugin_call, before the call's timer starts.
;;   noop  returns 0 (never reached while the start function spins)
(module
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "noop") (result i32) (i32.const 0)))
