// Helpers shared by the AssemblyScript test plug-ins.
import { Host, Memory } from "@extism/as-pdk";
import { error_set } from "@extism/as-pdk/lib/env";

// Outputs s as UTF-8. Host.outputString in as-pdk 1.0.0 sizes the block in
// UTF-16 code units, which truncates non-ASCII text.
export function outputText(s: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(s)));
}

// Sets the Extism error message; return the result as the export's code.
export function fail(message: string): i32 {
  error_set(Memory.allocateString(message).offset);
  return 1;
}

// AssemblyScript's abort hook (selected with `asc --use abort=...`, so the
// module does not import env.abort): report the message as the call's error,
// then trap. The host sees the message with code -1.
export function abortHandler(
  message: string | null,
  fileName: string | null,
  line: u32,
  column: u32,
): void {
  const text =
    "abort: " +
    (message === null ? "(no message)" : message) +
    " at " +
    (fileName === null ? "?" : fileName) +
    ":" +
    line.toString() +
    ":" +
    column.toString();
  error_set(Memory.allocateString(text).offset);
  unreachable();
}
