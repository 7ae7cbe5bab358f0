#!/usr/bin/env bash
# Runs Extism.Sdk.Tests on RIDs this machine can only emulate (issue 22):
#   win-x64      whole, self-contained publish under Wine (Debian's wine64)
#   linux-arm64  a named subset (see run_arm64), self-contained publish under qemu-user 10.0
#                from bookworm-backports (fetched and unpacked here, see fetch_qemu)
# Usage: build/test-emulated.sh RESULTS_DIR [win-x64] [linux-arm64]   (default: both)
# Writes TRX files RESULTS_DIR/emulated-<rid>[-<part>].trx (counted by .ci/run like any TRX) and
# RESULTS_DIR/emulated-checks: one line "pass|fail <what>" per run or part, "fail" when it could
# not start or wrote no results (a crash): .ci/run counts each line as a check.
# Installs what it needs with apt (waiting for the lock); qemu-user is only unpacked, not installed.
# Times each step; prints "emulated <rid>: N s".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS="${1:?usage: build/test-emulated.sh RESULTS_DIR [rid...]}"; shift
RESULTS="$(mkdir -p "$RESULTS" && cd "$RESULTS" && pwd)"
rids=("$@"); [ ${#rids[@]} -eq 0 ] && rids=(win-x64 linux-arm64)
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
unset RUST_BACKTRACE   # triples libextism's per-call cost; emulation is slow enough
APT=(apt-get -o DPkg::Lock::Timeout=600 -y -q)

install_missing() { # packages...
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  if [[ " ${missing[*]} " == *":arm64"* ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
  fi
  DEBIAN_FRONTEND=noninteractive "${APT[@]}" update >/dev/null && \
  DEBIAN_FRONTEND=noninteractive "${APT[@]}" install --no-install-recommends "${missing[@]}" >/dev/null
}

publish() { # rid [test project, default Extism.Sdk.Tests]
  local project="${2:-Extism.Sdk.Tests}"
  local out="$ROOT/artifacts/emulated/$1"; [ "$project" = Extism.Sdk.Tests ] || out="$out-$project"
  rm -rf "$out"
  # net10.0 only: the NuGet copy serves the linux-arm64 runtime pack for .NET 9 and 10, not 8.
  dotnet publish "tests/$project" -c Release -r "$1" --self-contained -f net10.0 -o "$out" -nologo -v q \
    && echo "$out"
}

namespace_of() { # part: the test namespace it runs ("Root" is the namespace of the tests themselves; -namespace takes no sub-namespaces)
  if [ "$1" = Root ]; then echo Extism.Sdk.Tests; else echo "Extism.Sdk.Tests.$1"; fi
}

record_part() { # rid namespace trx log exit-code extra-log-pattern: prints the log's verdict lines,
  # writes the part's check ("fail" when it wrote no TRX: it could not start or crashed) and
  # returns non-zero when the part failed (no TRX, or a non-zero exit, i.e. a failed test).
  local rid=$1 ns=$2 part=$3 log=$4 code=$5 extra=$6
  grep -E "\[FAIL\]|Total:|Fatal error|$extra" "$log" | sed "s/^/$rid $ns: /"
  if [ -s "$part" ]; then echo "pass $rid $ns ran to the end" >> "$RESULTS/emulated-checks"
  else echo "$rid $ns: no results (exit $code)"; echo "fail $rid $ns ran to the end" >> "$RESULTS/emulated-checks"; return 1; fi
  [ "$code" -eq 0 ]
}

run_win() {
  install_missing wine64 gcc-mingw-w64-x86-64 || return 1
  local out; out="$(publish win-x64 | tail -n 1)" || return 1
  [ -f "$out/Extism.Sdk.Tests.exe" ] || return 1
  # Wine-only fixture, built next to the published tests and never anywhere else.
  x86_64-w64-mingw32-gcc -shared -O2 -o "$out/bcryptprimitives.dll" build/emulation/bcryptprimitives.c -ladvapi32 || return 1
  export WINEPREFIX="$ROOT/artifacts/emulated/wineprefix" WINEDEBUG=-all
  # Wine 8 and the CLR: W^X double-mapping of JIT code crashes it ("Internal CLR error
  # 0x80131506" in DynamicResolver finalizers), and the GC's SuspendThread sometimes fails
  # ("SuspendThread failed with error 5") and kills the process. W^X off; a large gen0 and no
  # background GC make suspensions rare. One process per namespace, so such a crash costs one
  # part, which is run once more only when its output shows one of those two Wine failures
  # (said in the log), the second time with W^X on; any test failure stands. Windows itself has
  # neither problem. Loading's crashes were not W^X: a second Assert.Skip in one process overflowed
  # Wine's exception stack (virtual_setup_exception stack overflow); those tests now declare their
  # skip (SkipUnless), which throws nothing.
  export DOTNET_gcConcurrent=0 DOTNET_GCgen0size=0x8000000
  local ns part r=0 log
  for ns in Core HostFunctions Concurrency Resilience Pool Registry Loading Diagnostics Security Root; do
    part="$RESULTS/emulated-win-x64-$ns.trx"
    log="$ROOT/artifacts/emulated/win-x64-$ns.log"
    for attempt in 1 2; do
      rm -f "$part"
      local wx=0; [ $attempt -eq 2 ] && wx=1
      (cd "$out" && DOTNET_EnableWriteXorExecute=$wx timeout 900 /usr/lib/wine/wine64 Extism.Sdk.Tests.exe -noColor \
          -namespace "$(namespace_of "$ns")" -result-trx "$part") >"$log" 2>&1
      local code=$?
      if [ -s "$part" ] || ! grep -q -e "SuspendThread failed" -e "Internal CLR error" "$log" || [ $attempt -eq 2 ]; then break; fi
      echo "win-x64 $ns: Wine killed the process ($(grep -m1 -o -e 'SuspendThread failed[^.]*' -e 'Internal CLR error[^.]*' "$log")); running it once more"
    done
    record_part win-x64 "$ns" "$part" "$log" "$code" "SuspendThread failed|Internal CLR" || r=1
  done
  # Isolated plug-ins (issue 21): Extism.Sdk.Isolation.Tests whole, its self-contained worker
  # (Extism.Sdk.Worker.exe) published beside it, so worker processes, their pipes, job objects and
  # the libextism crashes contained in them run on Windows too.
  local iso; iso="$(publish win-x64 Extism.Sdk.Isolation.Tests | tail -n 1)" && [ -f "$iso/Extism.Sdk.Isolation.Tests.exe" ] || { record_part win-x64 Isolation /dev/null /dev/null 1 x; return 1; }
  cp "$out/bcryptprimitives.dll" "$iso/"
  # One process per test class. FaultTests and LimitTests run one process per test: under Wine 8
  # their whole class hung (FaultTests.AWorkerKilledFromOutsideMidCallIsReportedAndReplaced never
  # saw its killed worker's end, 27 s to the 150 s timeout) while every test of them passed alone
  # and in the pairs tried; the cause was not found, and Windows itself was not available to tell
  # whether it is Wine's. Said here so that it is not forgotten: see docs/guides/isolation.md.
  local cls m unit
  for cls in CallTests HostFunctionTests LeakTests OrphanTests PipeBufferTests PrewarmTests RegistryIsolationTests TenantIsolationTests FaultTests LimitTests; do
    local units=("$cls")
    # Their tests by name (a renamed test fails here as "no results", so this list cannot rot silently).
    [ "$cls" = FaultTests ] && units=(FaultTests.{ALibextismCrashCostsOneWorkerAndTheNextCallWorks,AWorkerKilledFromOutsideMidCallIsReportedAndReplaced,AnIdleWorkerKilledFromOutsideIsReplacedWithoutFailingACall,ACallPastItsDeadlineKillsTheWorker,AWorkerOverItsMemoryLimitIsKilled,ACancelledCallStopsAndTheWorkerStays,DisposeLeavesNoWorkerProcessBehind,AWorkerThatCannotStartIsReported})
    [ "$cls" = LimitTests ] && units=(LimitTests.{FuelIsPerCallAndRunningOutKeepsTheWorker,ANonPositiveFuelLimitIsRefused,ACallPastMaxWorkerCpuTimeIsEndedByTheOs,TheCpuLimitIsPerCallNotPerWorker,ANonPositiveCpuTimeIsRefused})
    for unit in "${units[@]}"; do
      part="$RESULTS/emulated-win-x64-Isolation-$unit.trx"; log="$ROOT/artifacts/emulated/win-x64-Isolation-$unit.log"; rm -f "$part"
      local sel=(-class "Extism.Sdk.Isolation.Tests.$unit"); [[ "$unit" == *.* ]] && sel=(-method "Extism.Sdk.Isolation.Tests.$unit")
      (cd "$iso" && DOTNET_EnableWriteXorExecute=0 timeout 300 /usr/lib/wine/wine64 Extism.Sdk.Isolation.Tests.exe -noColor "${sel[@]}" -result-trx "$part") >"$log" 2>&1
      local code=$?
      # A name that matches nothing runs no test and still writes a TRX: count that as no results.
      grep -qE "Total: 0\b" "$log" && { echo "win-x64 Isolation.$unit: no test matched"; rm -f "$part"; }
      record_part win-x64 "Isolation.$unit" "$part" "$log" "$code" "SuspendThread failed|Internal CLR" || r=1
    done
  done
  return $r
}

# qemu-user 10.0 from bookworm-backports, unpacked here and never installed: Debian 12's own
# qemu-user 7.2 runs the .NET runtime, but slowly and at great cost (Core alone: 351 s at 3.5 GB,
# and only with W^X off, a 512 MiB GC heap limit and QEMU_RESERVED_VA; Resilience passed 900 s,
# HostFunctions and Concurrency hit emulator faults). The backport is the same Debian archive,
# signed with the keys apt already trusts, fetched with apt's own client into a private state
# directory, so the machine's sources and installed packages stay as they are. Its binaries are
# static: nothing else is needed. Prints the path of qemu-aarch64.
fetch_qemu() {
  local dir="$ROOT/artifacts/emulated/qemu-backport"
  local bin="$dir/root/usr/bin/qemu-aarch64"
  if ! [ -x "$bin" ]; then
    rm -rf "$dir"; mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    echo "deb [arch=amd64] http://deb.debian.org/debian bookworm-backports main" > "$dir/sources.list"
    local opts=(-q -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" -o APT::Sandbox::User=root)
    apt-get "${opts[@]}" update >/dev/null && (cd "$dir" && apt-get "${opts[@]}" download qemu-user >/dev/null) \
      && dpkg-deb -x "$dir"/qemu-user_*.deb "$dir/root" || { echo "could not fetch qemu-user from bookworm-backports" >&2; return 1; }
  fi
  echo "$bin"
}

run_arm64() {
  install_missing libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 libssl3:arm64 || return 1
  local qemu; qemu="$(fetch_qemu)" || return 1
  "$qemu" --version | head -n 1
  local out; out="$(publish linux-arm64 | tail -n 1)" || return 1
  [ -f "$out/Extism.Sdk.Tests" ] || return 1
  # The subset: the namespaces that passed in every run with qemu 10.0 on this 2-core machine
  # (none of run_win's settings, W^X on, no GC limit: Core took 47-67 s at 456 MB): Core
  # (plug-in calls, manifest, WASI, HTTP, timeouts), Diagnostics and the root namespace. Left out, and why:
  # - Resilience: passed in 4 runs, then in a clean-clone .ci/run the failure matrix's
  #   AssemblyScript ManifestTimeout CompiledInstance cell saw its normal call after the failures
  #   time out: the cell's 20 ms manifest timeout also covers instantiating a fresh instance, which
  #   under emulation can take longer. Its timing is sized for native speed.
  # - HostFunctions, Pool, Concurrency: under qemu, with other test threads running, the memory
  #   probe sometimes finds readable plug-in memory unreadable, and a good output or block is
  #   refused ("lies outside its memory"; seen in GuestMemoryTests.TheSteadyStateAsksTheOperating-
  #   SystemNothing, PoolReloadTests.ReloadUnderConcurrentCallsNeverFailsACall and, in 2 of 2 runs,
  #   SiblingInterruptionTests...(SharedEngine)). qemu-user has no process_vm_readv, so the pipe
  #   probe is in use, and the write(2) it relies on failed with EFAULT, not EINTR (errno logged).
  #   Likely qemu's own check of guest pages (page_check_range in accel/tcg/user-exec.c looks
  #   the page flags up without a lock and retries under mmap_lock only when it finds no entry),
  #   racing other threads' mmap and mprotect.
  #   Not seen natively: 8 runs of the sibling class with the pipe probe forced passed. Each
  #   namespace passed in other runs (HostFunctions 3 of 4). Concurrency's timing bounds are also
  #   sized for native speed (PoolTests.DisposeWhileCalls... saw no call end in its 150 ms).
  # - Loading, Registry, Security: some of their tests start the test host as a child process,
  #   and an arm64 execve fails here ("Exec format error": qemu-user does not follow it and this
  #   container has no binfmt_misc); Loading's mirror releases are linux-x64 only, and Security
  #   took 233 s. Registry's other 17 and Security's other 29 passed.
  # All of them run on Arm64 hardware in the workflow (ubuntu-24.04-arm).
  # No ICU for arm64 is installed: invariant globalization (nothing in the subset depends on a culture).
  unset DOTNET_EnableWriteXorExecute DOTNET_gcConcurrent DOTNET_GCgen0size
  local ns part r=0 log code
  for ns in Core Diagnostics Root; do
    part="$RESULTS/emulated-linux-arm64-$ns.trx"
    log="$ROOT/artifacts/emulated/linux-arm64-$ns.log"
    rm -f "$part"
    (cd "$out" && DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 timeout 600 "$qemu" ./Extism.Sdk.Tests -noColor \
        -namespace "$(namespace_of "$ns")" -result-trx "$part") >"$log" 2>&1
    code=$?
    record_part linux-arm64 "$ns" "$part" "$log" "$code" "Illegal instruction|Segmentation fault" || r=1
  done
  return $r
}

rc=0
: > "$RESULTS/emulated-checks"
for rid in "${rids[@]}"; do
  rm -f "$RESULTS/emulated-$rid.trx" "$RESULTS/emulated-$rid-"*.trx
  start=$SECONDS
  case "$rid" in
    win-x64) run_win ;;
    linux-arm64) run_arm64 ;;
    *) echo "unknown rid $rid"; false ;;
  esac
  r=$?
  # run_win and run_arm64 write one check per part; one that stopped before its parts (install,
  # fetch, publish) or an unknown RID still counts as one failed check.
  grep -q "^[a-z]* $rid " "$RESULTS/emulated-checks" || echo "fail $rid set up (an unknown RID, or install, fetch or publish failed)" >> "$RESULTS/emulated-checks"
  echo "emulated $rid: $((SECONDS - start)) s (exit $r)"
  [ $r -ne 0 ] && rc=1
done
exit $rc
