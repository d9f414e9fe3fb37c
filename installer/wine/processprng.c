/*
 * Test tooling only, never shipped: bcryptprimitives.dll for Wine 8.
 *
 * Go 1.22+ programs get their random bytes from bcryptprimitives!ProcessPrng
 * and die at start ("bcryptprimitives.dll not found") on Wine before 9.x,
 * which lacks that DLL. This one exports ProcessPrng on top of
 * advapi32!SystemFunction036 (RtlGenRandom). installer/wine/shim.sh builds it
 * with MinGW-w64 into the throwaway test prefix's system32.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

/* Linked without the C runtime (-nostdlib): this is the entry point. */
BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst;
	(void)reason;
	(void)reserved;
	return TRUE;
}
