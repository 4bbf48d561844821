#include "huge_heap.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace coroner::cli {

void heap_in_huge_pages() {
    constexpr std::size_t stretch = 30u << 20, huge_page = 2u << 20;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);   // glibc's largest
    mallopt(M_TRIM_THRESHOLD, 256 << 20);  // freeing the stretch must not give it back
    // The scan's worker threads allocate here too: an arena of their own faults in 4 KiB pages (600 faults,
    // 8 ms of CPU on the 1 GiB bench core), and they allocate too little to contend for this one.
    mallopt(M_ARENA_MAX, 1);
    void* block = std::malloc(stretch);
    if (!block) return;
    auto from = (reinterpret_cast<std::uintptr_t>(block) + huge_page - 1) & ~std::uintptr_t(huge_page - 1);
    auto to = reinterpret_cast<std::uintptr_t>(sbrk(0));
    std::free(block);
    if (to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
}

}  // namespace coroner::cli
