;; host_void.wasm: a user host function with no parameters and no results.
(module
  (import "extism:host/user" "ping" (func $ping))

  (func (export "call_ping") (result i32)
    (call $ping)
    (call $ping)
    (call $ping)
    (i32.const 0))
)
