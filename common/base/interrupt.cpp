#include "coroner/base/interrupt.hpp"

#include "coroner/base/error.hpp"

namespace coroner {
namespace {

std::function<bool()>& check() {
    static std::function<bool()> installed;
    return installed;
}

}  // namespace

void set_interrupt_check(std::function<bool()> check_function) { check() = std::move(check_function); }

bool interrupted() { return check() && check()(); }

void throw_interrupted() { throw UserError("interrupted", "nothing was written; run the command again"); }

}  // namespace coroner
