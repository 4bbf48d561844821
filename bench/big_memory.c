// Benchmark subject: fills MiB megabytes (argv[1], default 1024) of heap, half random bytes and half log
// text with a credential every 64 KiB, then dereferences NULL.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
    size_t size = mib << 20;
    unsigned char* memory = malloc(size);
    if (!memory) return 2;
    unsigned long long x = 88172645463325252ULL;
    for (size_t i = 0; i < size / 2; i += 8) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        memcpy(memory + i, &x, 8);
    }
    const char* line =
        "2026-11-26T07:00:00Z INFO request id=4242 path=/api/v1/orders status=200 took=12ms user=alice\n";
    size_t n = strlen(line);
    for (size_t i = size / 2; i + n < size; i += n) memcpy(memory + i, line, n);
    for (size_t i = size / 2; i + 64 < size; i += 65536) memcpy(memory + i, "aws_key=AKIAQ3EGVF5WZRTMN7XP ", 29);
    volatile int* p = NULL;
    return *p + memory[size - 1];
}
