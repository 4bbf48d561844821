#include "coroner/base/shared_library.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

using namespace coroner;

TEST_CASE("a shared library opens once by its soname, and a missing one says why") {
    void* libc = open_shared_library("libc.so.6");
    REQUIRE(libc != nullptr);
    CHECK(open_shared_library("libc.so.6") == libc);
    decltype(&std::strlen) length = nullptr;
    REQUIRE(find_function(libc, "strlen", length));
    CHECK(length("coroner") == 7);
    CHECK_FALSE(find_function(libc, "coroner_no_such_function", length));
    CHECK((length == nullptr));

    std::string why;
    CHECK(open_shared_library("libcoroner-no-such-library.so.1", &why) == nullptr);
    CHECK(why.find("libcoroner-no-such-library.so.1") != std::string::npos);
    CHECK(shared_library_symbol(nullptr, "strlen") == nullptr);
}
