;; hostile_lib.wasm: a library module (linked into a manifest beside a main module) whose start
;; function never returns. wasmtime instantiates a linked reactor module when libextism links it,
;; inside extism_plugin_new / extism_plugin_new_from_compiled: at creation, not at a call.
;;   one   returns 1 (exported so a main module can import it)
(module
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "one") (result i32) (i32.const 1)))
