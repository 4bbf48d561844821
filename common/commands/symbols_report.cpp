#include "coroner/commands/symbols_report.hpp"

namespace coroner {

std::vector<ModuleHealth> symbols_report(const Session& s) {
    return module_health(s.mappings_on_disk(), *s.memory, s.target.executable);
}

}  // namespace coroner
