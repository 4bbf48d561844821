// Test helper: plants the texts of a file into this process's heap, one per 4 KiB slot, writes the
// buffer's address to a file, and aborts so the kernel writes a core to scan.
// usage: plant_texts TEXTS-FILE ADDRESS-FILE   (TEXTS-FILE: the texts, each ended by a NUL byte)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { slot = 4096 };

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    FILE* in = fopen(argv[1], "rb");
    if (!in) return 2;
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += text[i] == 0;
    char* heap = calloc(count + 1, slot);
    if (!heap) return 2;
    size_t at = 0;
    for (size_t k = 0; k < count; k++) {
        size_t len = strlen(text + at);
        memcpy(heap + k * slot, text + at, len < slot ? len : slot - 1);
        at += len + 1;
    }
    FILE* out = fopen(argv[2], "w");
    if (!out) return 2;
    fprintf(out, "%p\n", (void*)heap);
    fclose(out);
    abort();
}
