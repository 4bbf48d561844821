// A wrong option value found after parsing (a date that is not one): said like any error, but the exit
// status is 2, a usage error's.
#pragma once

#include "coroner/base/error.hpp"

namespace coroner::cli {

struct UsageError : UserError {
    using UserError::UserError;
};

}  // namespace coroner::cli
