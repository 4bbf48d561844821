# Integration tests: each runs real gdb (and later lldb) over a real crash-lab core. Registered one
# CTest test per case so that the pass count says what was checked.
find_program(INTEGRATION_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)
set(integration ${CMAKE_CURRENT_SOURCE_DIR}/integration)
set(gdb_script ${PROJECT_BINARY_DIR}/coroner-gdb.py)

file(STRINGS ${CRASH_LAB_MANIFEST} crash_lab_cases)
foreach(row IN LISTS crash_lab_cases)
  string(REPLACE "\t" ";" fields "${row}")
  list(GET fields 0 name)
  list(GET fields 1 binary)
  list(GET fields 2 core)
  list(GET fields 3 source)
  add_test(NAME "gdb: triage ${name}"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/triage_case.py ${gdb_script} ${name} ${binary} ${core} ${source})
endforeach()

foreach(case IN ITEMS nothing-loaded running-process unknown-flag truncated-core wrong-executable
                      core-without-executable corrupt-core help load-twice python-mismatch live-process)
  add_test(NAME "gdb: ${case}"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/gdb_errors.py ${case} ${gdb_script} ${CRASH_LAB_BIN}
                   ${PROJECT_BINARY_DIR}/fixtures/cores)
endforeach()
