#include "coroner/secrets/prefilter.hpp"

#include "coroner/secrets/anchor_filter_vbmi.hpp"
#include "coroner/secrets/run_finder_steps.hpp"

namespace coroner {
namespace {

#ifdef CORONER_BYTE_MASKS_WIDE
// One loop, compiled for both passes' instructions, with both steps inlined into it.
__attribute__((target("avx512bw,avx512vbmi"), flatten)) std::size_t fused_steps(const AnchorFilter& filter,
                                                                                const std::uint8_t* data,
                                                                                std::size_t size,
                                                                                std::vector<AnchorEnd>& anchors,
                                                                                RunFinder& runs) {
    AnchorFilter::VbmiSteps anchor_step(filter, data, size, anchors);
    std::size_t at = 0;
    runs.steps<byte_masks::Avx512bw>(at, anchor_step.end(), anchor_step);
    anchor_step.finish(at);
    return at;
}
#endif

}  // namespace

void find_anchors_and_runs(const AnchorFilter& filter, const std::uint8_t* data, std::size_t size,
                           std::vector<AnchorEnd>& anchors, std::size_t min_digits, std::size_t reach,
                           std::vector<Span>& spans, std::vector<WideRun>* wide) {
#ifdef CORONER_BYTE_MASKS_WIDE
    if (anchor_vbmi_available()) {  // (which has AVX-512BW)
        RunFinder runs(data, size, min_digits, reach, spans, wide);
        runs.go_on(fused_steps(filter, data, size, anchors, runs), SimdLevel::avx512bw);
        return;
    }
#endif
    filter.find(data, size, anchors, AnchorKernel::portable);
    find_runs(data, size, min_digits, reach, spans, wide);
}

}  // namespace coroner
