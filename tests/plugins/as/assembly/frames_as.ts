// frames.wasm's AssemblyScript twin: real @extism/as-pdk code whose managed
// references live on AssemblyScript's shadow stack (incremental GC). A call the
// runtime aborts never pops its frames; build.sh gives this module a small
// shadow stack (--stackSize) so a few dozen aborted calls overflow it.
import { Host, Memory } from "@extism/as-pdk";
import { length } from "@extism/as-pdk/lib/env";
import { fail } from "./common";

// Takes a block, returns a block (0 = none). `spin` calls it with 0 first.
@external("extism:host/user", "host_op")
declare function host_op(block: u64): u64;

const HOST: i32 = 0;
const THROW: i32 = 1;
const SPIN: i32 = 2;

let spins: u64 = 0;

// Pushes `depth` frames that each hold a managed array across the call below
// (so its reference is spilled to the shadow stack), then acts at the bottom.
function descend(depth: i32, action: i32, arg: u64): u64 {
  const keep = new Uint8Array(16);
  keep[0] = <u8>depth;
  let r: u64 = 0;
  if (depth > 0) {
    r = descend(depth - 1, action, arg);
  } else if (action == HOST) {
    r = host_op(arg);
  } else if (action == THROW) {
    throw new Error("trap requested");
  } else {
    host_op(0); // the export is running
    while (true) spins++;
  }
  if (keep[0] != <u8>depth) unreachable(); // keeps `keep` live across the call above
  return r;
}

// Input: any bytes. Output: the same bytes.
export function echo(): i32 {
  Host.output(Host.input());
  return 0;
}

// Input: bytes, passed to host_op in a fresh block. Output: the block host_op
// returns (empty for 0).
export function call_host(): i32 {
  const input = Host.input();
  const result = descend(2, HOST, Memory.allocateBytes(input).offset);
  if (result != 0) Host.output(new Memory(result, length(result)).toUint8Array());
  return 0;
}

// Input: ignored. Throws three frames down: AssemblyScript's abort, which
// sets the error `abort: trap requested at …` and traps.
export function trap(): i32 {
  const input = Host.input();
  descend(2, THROW, <u64>input.length);
  return 0;
}

// Input: ignored. Calls host_op(0), then loops forever three frames down.
export function spin(): i32 {
  const input = Host.input();
  descend(2, SPIN, <u64>input.length);
  return 0;
}

// Input: N (u32 LE, missing bytes = 0). Allocates N arrays of 64 KiB, keeping
// them all alive, then drops them. Output: N (u32 LE). N > 65536: rc 1.
export function grow(): i32 {
  const input = Host.input();
  let n: u32 = 0;
  for (let i = 0; i < 4 && i < input.length; i++) n |= (<u32>input[i]) << (8 * i);
  if (n > 65536) return fail("grow: N must be at most 65536");
  const arrays = new Array<Uint8Array>();
  for (let i: u32 = 0; i < n; i++) arrays.push(new Uint8Array(65536));
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[i] = <u8>(n >> (8 * i));
  Host.output(out);
  return 0;
}
