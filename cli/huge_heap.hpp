// The coroner program's heap in transparent huge pages, where the kernel gives them on request.
#pragma once

namespace coroner::cli {

// Call first thing in main(). A big core's report holds thousands of small objects, and on a virtual
// machine each first touch of a 4 KiB page can cost 10 us or more (measured here: 5,500 faults took 0.08 s
// for 20 MB of small blocks; in 2 MiB pages, 0.026 s; `coroner secrets-scan` of a 1 GiB core with 8,192
// findings went from 6,300 faults to 1,400). So the main heap is grown once by 30 MiB and that stretch
// advised for huge pages, and blocks under 32 MiB come from the heap instead of mmap. Nothing changes where
// the kernel has no transparent huge pages or says no.
void heap_in_huge_pages();

}  // namespace coroner::cli
