;; linked_lib.wasm: loaded next to linked_main.wasm under the manifest name "lib".
(module
  (func (export "get_value") (result i64)
    (i64.const 42))
)
