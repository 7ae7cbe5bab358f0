// kv.wasm: a counter per key, stored by the host through two host functions.
import { Host, Memory } from "@extism/as-pdk";
import { length } from "@extism/as-pdk/lib/env";
import { fail } from "./common";

// Returns the value block for a key block (0 = no value).
@external("extism:host/user", "kv_read")
declare function kv_read(key: u64): u64;

// Stores the value block under the key block.
@external("extism:host/user", "kv_write")
declare function kv_write(key: u64, value: u64): void;

// Input: key (bytes). Reads the key's value (decimal text; none or empty = 0),
// writes value + 1 back, and outputs "<key>=<value + 1>".
export function bump(): i32 {
  const key = Host.input();

  let value: u64 = 0;
  const found = kv_read(Memory.allocateBytes(key).offset);
  if (found != 0) {
    const text = new Memory(found, length(found)).toUint8Array();
    for (let i = 0; i < text.length; i++) {
      const d = <i32>text[i] - 0x30; // '0'
      // value * 10 + d must stay below u64::MAX so that value + 1 fits
      if (d < 0 || d > 9 || value > (U64.MAX_VALUE - 1 - <u64>d) / 10) {
        return fail("kv_read returned a value that is not a decimal u64");
      }
      value = value * 10 + <u64>d;
    }
  }
  value += 1;

  const digits = Uint8Array.wrap(String.UTF8.encode(value.toString()));
  // Fresh blocks: the host may free or keep what kv_read was given.
  kv_write(Memory.allocateBytes(key).offset, Memory.allocateBytes(digits).offset);

  const out = new Uint8Array(key.length + 1 + digits.length);
  out.set(key, 0);
  out[key.length] = 0x3d; // '='
  out.set(digits, key.length + 1);
  Host.output(out);
  return 0;
}
