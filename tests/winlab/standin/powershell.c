/*
 * Stand-in powershell.exe for the Windows lab: a real Windows program that answers
 * netwatch's PowerShell batch the way a recorded Windows machine answered it.
 *
 * It finds the script after -Command, hashes it (FNV-1a 64 over its UTF-8 bytes)
 * and copies %NETWATCH_PS_REPLAY%\<hash>.out to stdout. NETWATCH_PS_MODE makes it
 * misbehave like PowerShell does on office machines:
 *   replay   (default) the recording; no recording: exit 1 naming the hash
 *   empty    print nothing, exit 0 (Wine's own powershell.exe stub does this)
 *   blocked  constrained language mode / AppLocker refusal on stderr, exit 1
 *   slow     sleep NETWATCH_PS_DELAY seconds (default 120), then replay
 *   notjson  a localised text table instead of JSON, exit 0
 *   vi       a Vietnamese error message (UTF-8) on stderr, exit 1
 * Each launch appends one line to %NETWATCH_PS_LOG% when it is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>

static void write_all(HANDLE out, const char *data, DWORD length)
{
    DWORD written = 0;
    while (length > 0 && WriteFile(out, data, length, &written, NULL) && written > 0) {
        data += written;
        length -= written;
    }
}

static void say(DWORD which, const char *text)
{
    write_all(GetStdHandle(which), text, (DWORD)strlen(text));
}

static unsigned long long fnv1a64(const unsigned char *data, size_t length)
{
    unsigned long long hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < length; i++) {
        hash ^= data[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

static char *utf8(const wchar_t *text)
{
    int size = WideCharToMultiByte(CP_UTF8, 0, text, -1, NULL, 0, NULL, NULL);
    char *buffer = malloc(size > 0 ? size : 1);
    if (buffer == NULL)
        exit(3);
    buffer[0] = 0;
    if (size > 0)
        WideCharToMultiByte(CP_UTF8, 0, text, -1, buffer, size, NULL, NULL);
    return buffer;
}

static void log_launch(const char *mode)
{
    wchar_t path[MAX_PATH];
    if (!GetEnvironmentVariableW(L"NETWATCH_PS_LOG", path, MAX_PATH))
        return;
    FILE *log = _wfopen(path, L"ab");
    if (log == NULL)
        return;
    fprintf(log, "launch mode=%s pid=%lu\n", mode, (unsigned long)GetCurrentProcessId());
    fclose(log);
}

static int replay(const wchar_t *script)
{
    char *text = utf8(script);
    unsigned long long hash = fnv1a64((const unsigned char *)text, strlen(text));
    free(text);
    wchar_t folder[MAX_PATH], path[MAX_PATH + 32];
    if (!GetEnvironmentVariableW(L"NETWATCH_PS_REPLAY", folder, MAX_PATH)) {
        say(STD_ERROR_HANDLE, "stand-in powershell.exe: NETWATCH_PS_REPLAY is not set\r\n");
        return 1;
    }
    swprintf(path, MAX_PATH + 32, L"%ls\\%016llx.out", folder, hash);
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        char message[160];
        snprintf(message, sizeof message,
                 "stand-in powershell.exe: no recording for this script (fnv %016llx)\r\n", hash);
        say(STD_ERROR_HANDLE, message);
        return 1;
    }
    char buffer[65536];
    DWORD got = 0;
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    while (ReadFile(file, buffer, sizeof buffer, &got, NULL) && got > 0)
        write_all(out, buffer, got);
    CloseHandle(file);
    return 0;
}

int wmain(int argc, wchar_t **argv)
{
    wchar_t mode_w[32] = L"replay";
    GetEnvironmentVariableW(L"NETWATCH_PS_MODE", mode_w, 32);
    char *mode = utf8(mode_w);
    log_launch(mode);
    const wchar_t *script = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (_wcsicmp(argv[i], L"-Command") == 0)
            script = argv[i + 1];
    if (strcmp(mode, "empty") == 0)
        return 0;
    if (strcmp(mode, "blocked") == 0) {
        say(STD_ERROR_HANDLE,
            "Cannot invoke method. Method invocation is supported only on core types in this "
            "language mode.\r\n    + CategoryInfo          : InvalidOperation: (:) [], "
            "RuntimeException\r\n    + FullyQualifiedErrorId : MethodInvocationNotSupportedInConstrainedLanguage\r\n");
        return 1;
    }
    if (strcmp(mode, "notjson") == 0) {
        say(STD_OUTPUT_HANDLE, "Name    Enabled\r\n----    -------\r\nDomain  True\r\n");
        return 0;
    }
    if (strcmp(mode, "vi") == 0) {
        say(STD_ERROR_HANDLE,
            "Kh\xc3\xb4ng th\xe1\xbb\x83 ch\xe1\xba\xa1y l\xe1\xbb\x87nh: truy nh\xe1\xba\xadp "
            "b\xe1\xbb\x8b t\xe1\xbb\xab ch\xe1\xbb\x91i.\r\n");
        return 1;
    }
    if (strcmp(mode, "slow") == 0) {
        wchar_t delay[16] = L"120";
        GetEnvironmentVariableW(L"NETWATCH_PS_DELAY", delay, 16);
        Sleep((DWORD)(_wtof(delay) * 1000.0));
    }
    if (script == NULL) {
        say(STD_ERROR_HANDLE, "stand-in powershell.exe: no -Command given\r\n");
        return 1;
    }
    return replay(script);
}
