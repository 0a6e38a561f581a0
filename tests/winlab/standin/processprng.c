/*
 * bcryptprimitives.dll for the Windows lab: Rust-built wheels (pydantic-core,
 * cryptography) import bcryptprimitives.dll!ProcessPrng, which Wine 8 lacks.
 * This DLL, placed beside python.exe, provides it over BCryptGenRandom.
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
