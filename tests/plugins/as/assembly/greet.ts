// greet.wasm: config, UTF-8 text, module state and logging through as-pdk.
import { Config, Host, LogLevel } from "@extism/as-pdk";
import { outputText } from "./common";

// Input: a name (UTF-8). Output: "<greeting>, <name>!" where greeting is the
// config value "greeting", or "Hello" when it is absent or empty.
export function greet(): i32 {
  const configured = Config.get("greeting");
  const greeting = configured === null ? "Hello" : configured;
  outputText(greeting + ", " + Host.inputString() + "!");
  return 0;
}

// Survives between calls as long as the instance does.
let calls: u64 = 0;

// Output: the number of `count` calls so far in this instance, in decimal.
export function count(): i32 {
  calls += 1;
  outputText(calls.toString());
  return 0;
}

// Logs "hello from as" at info level.
export function log_info_msg(): i32 {
  Host.log(LogLevel.Info, "hello from as");
  return 0;
}
