;; hostile_initialize.wasm: a WASI-reactor-shaped plug-in whose _initialize never returns.
;; libextism calls _initialize right after instantiating the main module (first call), outside
;; the call's timer, like a start function.
;;   noop  returns 0 (never reached while _initialize spins)
(module
  (func (export "_initialize") (loop $forever (br $forever)))
  (func (export "noop") (result i32) (i32.const 0)))
