/*
 * Wine-only test fixture: NEVER shipped, never packed, never copied into a package.
 *
 * extism.dll (libextism for win-x64) imports ProcessPrng from bcryptprimitives.dll, which Rust's
 * standard library uses for randomness on Windows 8 and later. Wine 8.0 (Debian 12) has no
 * bcryptprimitives.dll, so loading extism.dll under Wine fails with "Module not found". This
 * stand-in exports ProcessPrng over RtlGenRandom (advapi32's SystemFunction036), which Wine
 * has. build/test-emulated.sh builds it with mingw and puts it next to the published tests.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a ULONG length: fill larger requests in pieces. */
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
