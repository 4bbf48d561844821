// Finding the program a core came from, and making sure it is that program: given outright (--exe), found
// in a folder of builds (--exe-dir: by build-id first, then by name), or where the core and its metadata
// say it was. A missing program or one of another build is an error, never a silent wrong answer.
#pragma once

#include "coroner/core/intake.hpp"

#include <map>
#include <optional>
#include <string>

namespace coroner {

// Every ELF file below a folder, by build-id and by file name (read once).
class ProgramFolder {
public:
    // Throws UserError if `folder` cannot be read as a folder.
    explicit ProgramFolder(const std::string& folder);
    std::optional<std::string> by_build_id(const std::string& build_id) const;
    std::optional<std::string> by_name(const std::string& name) const;

private:
    void walk(const std::string& folder, int depth);
    std::map<std::string, std::string> by_build_id_, by_name_;
};

struct ProgramChoice {
    std::string path;
    std::string found_by;  // "--exe", "--exe-dir (build-id)", "--exe-dir (name)", "metadata", "core notes"
};

// The program for a core with these facts; throws UserError (what is missing or mismatched, and what to
// do) when there is none that matches. `exe` and `folder` are what the user gave, if anything.
ProgramChoice choose_program(const CoreMetadata& metadata, const std::optional<std::string>& exe,
                             const ProgramFolder* folder);

}  // namespace coroner
