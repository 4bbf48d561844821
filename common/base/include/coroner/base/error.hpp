// The one kind of failure a command reports to the user: what is wrong, and what to do about it.
#pragma once

#include <stdexcept>
#include <string>

namespace coroner {

class UserError : public std::runtime_error {
public:
    UserError(std::string what_is_wrong, std::string what_to_do)
        : std::runtime_error(what_is_wrong), problem_(std::move(what_is_wrong)), remedy_(std::move(what_to_do)) {}
    // what() as a std::string: whole even where text from the core holds a NUL (what() would end there).
    const std::string& problem() const { return problem_; }
    const std::string& remedy() const { return remedy_; }

private:
    std::string problem_;
    std::string remedy_;
};

}  // namespace coroner
