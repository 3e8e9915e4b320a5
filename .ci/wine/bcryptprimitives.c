/* bcryptprimitives.dll's ProcessPrng for Wine 8, which lacks it: Rust >= 1.78's standard library (so
 * pydantic-core and cryptography's Windows wheels) imports it for random bytes. Same contract as Windows':
 * fill the buffer from the system RNG, always TRUE. Built by .ci/windows; used only in CI's Wine prefix. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
    while (size > 0) {
        ULONG chunk = size > 0x10000000 ? 0x10000000 : (ULONG)size;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
            /* Windows' ProcessPrng never fails; nothing sensible to return but a crash would be worse */
            return FALSE;
        }
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
