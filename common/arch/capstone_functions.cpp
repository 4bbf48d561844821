#include "capstone_handle.hpp"

#include "coroner/base/shared_library.hpp"

#include <optional>

namespace coroner {

// (See capstone_handle.hpp.) Opened once, on the first decode; CORONER_CAPSTONE_SONAME is the soname of the
// libcapstone the build compiled against (CMake reads it from the library).
const CapstoneFunctions* capstone_functions() {
    static const std::optional<CapstoneFunctions> functions = []() -> std::optional<CapstoneFunctions> {
        void* library = open_shared_library(CORONER_CAPSTONE_SONAME);
        CapstoneFunctions f{};
        if (library && find_function(library, "cs_open", f.open) && find_function(library, "cs_option", f.option) &&
            find_function(library, "cs_close", f.close) && find_function(library, "cs_reg_name", f.reg_name) &&
            find_function(library, "cs_disasm", f.disasm) && find_function(library, "cs_free", f.free))
            return f;
        return std::nullopt;
    }();
    return functions ? &*functions : nullptr;
}

}  // namespace coroner
