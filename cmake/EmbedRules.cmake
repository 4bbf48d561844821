# Writes OUT, a C++ file that returns the text of each rule file in RULES_DIR by name.
# Run as: cmake -DRULES_DIR=... -DOUT=... -P EmbedRules.cmake
file(GLOB rule_files "${RULES_DIR}/*.json")
list(SORT rule_files)
set(body "")
foreach(path IN LISTS rule_files)
  get_filename_component(name "${path}" NAME_WE)
  file(READ "${path}" text)
  string(APPEND body "    if (name == \"${name}\") return R\"coroner_rules(${text})coroner_rules\";\n")
endforeach()
file(WRITE "${OUT}.tmp" "// Generated from common/rules/*.json by cmake/EmbedRules.cmake. Do not edit.
#include <stdexcept>
#include <string>

namespace coroner {
std::string embedded_rule_text(const std::string& name) {
${body}    throw std::out_of_range(\"no built-in rule file named \" + name);
}
}  // namespace coroner
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
