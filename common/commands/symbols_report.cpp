#include "coroner/commands/symbols_report.hpp"

namespace coroner {

std::vector<ModuleHealth> symbols_report(const Session& s) {
    const std::vector<Mapping> on_disk = s.mappings_on_disk();
    return module_health(on_disk, *s.memory, s.target.executable);
}

}  // namespace coroner
