#include "coroner/commands/symbols_report.hpp"

#include <fmt/format.h>

namespace coroner {

nlohmann::ordered_json symbols_json(const std::vector<ModuleHealth>& modules) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& m : modules) {
        nlohmann::ordered_json j;
        j["path"] = m.path;
        j["build_id"] = m.build_id ? nlohmann::ordered_json(*m.build_id) : nlohmann::ordered_json(nullptr);
        j["build_id_in_core"] =
            m.build_id_in_core ? nlohmann::ordered_json(*m.build_id_in_core) : nlohmann::ordered_json(nullptr);
        j["debug_info"] = debug_info_name(m.debug_info);
        j["debug_file"] = m.debug_file ? nlohmann::ordered_json(*m.debug_file) : nlohmann::ordered_json(nullptr);
        j["matches_core"] = m.matches_core ? nlohmann::ordered_json(*m.matches_core) : nlohmann::ordered_json(nullptr);
        j["hint"] = m.hint ? nlohmann::ordered_json(*m.hint) : nlohmann::ordered_json(nullptr);
        list.push_back(std::move(j));
    }
    nlohmann::ordered_json out;
    out["schema"] = "coroner.symbols/1";
    out["modules"] = std::move(list);
    return out;
}

std::string symbols_text(const std::vector<ModuleHealth>& modules) {
    std::string out;
    std::size_t trouble = 0;
    for (const auto& m : modules) {
        std::string id = m.build_id ? m.build_id->substr(0, 12) + "…" : "no build-id";
        std::string match = m.matches_core == true    ? "matches the core"
                            : m.matches_core == false ? "DOES NOT MATCH the core"
                                                      : "match unknown";
        std::string debug = m.debug_info == DebugInfoKind::separate
                                ? fmt::format("separate ({})", m.debug_file.value_or("?"))
                                : debug_info_name(m.debug_info);
        out += fmt::format("{}{}\n  build-id {}, {}; debug info: {}\n", m.path, m.is_program ? "  (the program)" : "",
                           id, match, debug);
        if (m.hint) {
            out += fmt::format("  -> {}\n", *m.hint);
            trouble++;
        }
    }
    out += fmt::format("{} module{}, {} with something missing or wrong\n", modules.size(),
                       modules.size() == 1 ? "" : "s", trouble);
    return out;
}

}  // namespace coroner
