;; hostile_main.wasm: the main module beside hostile_lib.wasm (imported as "hostile_lib").
;;   noop  returns 0
;;   one   returns hostile_lib's one() (1)
(module
  (import "hostile_lib" "one" (func $one (result i32)))
  (func (export "noop") (result i32) (i32.const 0))
  (func (export "one") (result i32) (call $one)))
