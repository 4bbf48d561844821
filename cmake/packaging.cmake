# The Debian package (issue 16): `cpack -G DEB` in the build folder writes coroner_<version>_amd64.deb with
# what `cmake --install` puts under /usr, plus two symlinks that make the commands appear with no user step
# (the component debian-autoload, which a plain `cmake --install` leaves out):
# - /etc/gdb/gdbinit.d/coroner.py -> /usr/share/coroner/coroner-gdb.py: Debian's GDB sources every .py of
#   that folder at start (`gdb --configuration`: --with-system-gdbinit-dir); the script prints nothing
#   unless it cannot load. `gdb -nx` skips it; `-nh` does not.
# - /usr/lib/lldb/plugins/libcoroner-lldb.so -> ../../coroner/libcoroner-lldb.so: each new debugger of a
#   Linux LLDB (Debugger::InstanceInitialize, LLDB 14 and 19 alike) loads every .so under that folder and
#   under $XDG_DATA_HOME/lldb (~/.local/share/lldb) with lldb::PluginInitialize(SBDebugger), as
#   `plugin load` does. docs/install.md says more.
# Symlinks, not files: dpkg keeps a removed package's conffiles (every file under /etc is one), and a
# symlink is not one, so `dpkg -r` leaves nothing behind.
set(autoload_script [=[
set(root "$ENV{DESTDIR}")
file(MAKE_DIRECTORY "${root}/etc/gdb/gdbinit.d" "${root}/usr/lib/lldb/plugins")
file(CREATE_LINK "${CMAKE_INSTALL_PREFIX}/@CMAKE_INSTALL_DATADIR@/coroner/coroner-gdb.py"
     "${root}/etc/gdb/gdbinit.d/coroner.py" SYMBOLIC)
file(RELATIVE_PATH plugin "/usr/lib/lldb/plugins" "${CMAKE_INSTALL_PREFIX}/@CMAKE_INSTALL_LIBDIR@/coroner/libcoroner-lldb.so")
file(CREATE_LINK "${plugin}" "${root}/usr/lib/lldb/plugins/libcoroner-lldb.so" SYMBOLIC)
]=])
string(CONFIGURE "${autoload_script}" autoload_script @ONLY)
install(CODE "${autoload_script}" COMPONENT debian-autoload EXCLUDE_FROM_ALL)

# What Debian policy asks of every package: the changelog (gzip -n: reproducible) and the copyright file.
execute_process(COMMAND gzip -9nc ${CMAKE_CURRENT_LIST_DIR}/debian/changelog
                OUTPUT_FILE ${PROJECT_BINARY_DIR}/debian-changelog.gz)
install(FILES ${PROJECT_BINARY_DIR}/debian-changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME changelog.gz
        COMPONENT debian-autoload EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR}
        COMPONENT debian-autoload EXCLUDE_FROM_ALL)

# "1:14.0.6-12" -> "1:14.0.6": the installed version of a Debian package without its Debian revision.
function(coroner_debian_upstream_version package out_var)
  execute_process(COMMAND dpkg-query -W -f=\${Version} ${package} OUTPUT_VARIABLE version RESULT_VARIABLE status
                  ERROR_QUIET)
  if(NOT status EQUAL 0 OR version STREQUAL "")
    set(${out_var} "" PARENT_SCOPE)
    return()
  endif()
  string(REGEX REPLACE "-[^-]*$" "" version "${version}")
  set(${out_var} "${version}" PARENT_SCOPE)
endfunction()

# Depends: the shared libraries' packages (dpkg-shlibdeps), plus what no DT_NEEDED says: the Python that
# GDB embeds (the module is built for exactly that one; its package name carries the version) and the
# LLDB the plugin was built for (liblldb is resolved at load time, not linked).
set(python_package libpython${CORONER_GDB_PYTHON_VERSION})
set(lldb_package lldb-${CORONER_LLDB_PRIMARY_MAJOR})
coroner_debian_upstream_version(${python_package} python_version)
coroner_debian_upstream_version(${lldb_package} lldb_version)
set(depends "gdb")
foreach(package IN ITEMS python lldb)
  if(${package}_version)
    list(APPEND depends "${${package}_package} (>= ${${package}_version})")
  else()
    list(APPEND depends "${${package}_package}")
  endif()
endforeach()
# The libraries opened at first use rather than linked (capstone, libcrypto: see CMakeLists.txt), which
# dpkg-shlibdeps cannot see: the package that holds each library file the build used.
foreach(opened IN ITEMS CAPSTONE LIBCRYPTO)
  execute_process(COMMAND dpkg-query -S ${CORONER_${opened}_FILE} OUTPUT_VARIABLE owner RESULT_VARIABLE status
                  ERROR_QUIET)
  if(status EQUAL 0 AND owner MATCHES "^([^:,]+)")
    list(APPEND depends ${CMAKE_MATCH_1})
  endif()
endforeach()
list(JOIN depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME coroner)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # coroner_<version>_amd64.deb
set(CORONER_PACKAGE_MAINTAINER "coroner maintainers <coroner@users.noreply.github.com>"
    CACHE STRING "The Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${CORONER_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "post-mortem triage of core dumps in GDB and LLDB")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "coroner adds pm-* commands to GDB and LLDB: why the process died (pm-triage),\n"
    " which frame to look at first, what the other threads were doing, which\n"
    " credentials the core holds and a redacted copy of it, and whether the symbols\n"
    " can be trusted; and a coroner program that triages stored cores in batches\n"
    " and sorts them into buckets. The commands are there when gdb or lldb starts.")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Staged with DESTDIR, so that the absolute paths above land in the package, under /usr as prefix.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# cpack (and `make install`) package what is built instead of building every target first (the tests, the
# crash lab, the sanitizer builds): the package test runs after the build, and cpack stays quick.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
# Everything a plain install has, and the autoload symlinks.
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};coroner;ALL;/"
                                 "${PROJECT_BINARY_DIR};coroner;debian-autoload;/")
include(CPack)
