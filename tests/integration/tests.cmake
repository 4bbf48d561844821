# Integration tests: each runs real gdb or lldb over a real crash-lab core. Registered one CTest test
# per case so that the pass count says what was checked.
find_program(INTEGRATION_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)
set(integration ${CMAKE_CURRENT_SOURCE_DIR}/integration)
set(gdb_script ${PROJECT_BINARY_DIR}/coroner-gdb.py)
set(cores ${PROJECT_BINARY_DIR}/fixtures/cores)

file(STRINGS ${CRASH_LAB_MANIFEST} crash_lab_cases)
set(crash_lab_names "")
foreach(row IN LISTS crash_lab_cases)
  string(REPLACE "\t" ";" fields "${row}")
  list(GET fields 0 name)
  list(GET fields 1 binary)
  list(GET fields 2 core)
  list(GET fields 3 source)
  list(APPEND crash_lab_names ${name})
  add_test(NAME "gdb: triage ${name}"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/triage_case.py ${gdb_script} ${name} ${binary} ${core} ${source})
endforeach()

add_test(NAME "gdb: module stub"
         COMMAND ${INTEGRATION_PYTHON} ${integration}/module_stub.py ${gdb_script} ${PROJECT_SOURCE_DIR}/gdb-scripts/_coroner.pyi)
add_test(NAME "gdb: symbols" COMMAND ${INTEGRATION_PYTHON} ${integration}/symbols_case.py gdb ${gdb_script}
                                      ${CRASH_LAB_BIN} ${cores})
add_test(NAME "gdb: core text secrets"
         COMMAND ${INTEGRATION_PYTHON} ${integration}/core_text_secrets.py gdb ${gdb_script} ${CRASH_LAB_BIN} ${cores}
                 ${PROJECT_SOURCE_DIR}/fixtures/collect-core.sh)
add_test(NAME "gdb: threads" COMMAND ${INTEGRATION_PYTHON} ${integration}/threads_case.py gdb ${gdb_script}
                                      ${CRASH_LAB_BIN} ${cores})
add_test(NAME "gdb: secrets" COMMAND ${INTEGRATION_PYTHON} ${integration}/secrets_case.py gdb ${gdb_script}
                                      ${CRASH_LAB_BIN} ${cores})
# Recall and false alarms on the secrets corpus (tests/data/secrets, part of the checkout), so that a rule
# change that loses recall or adds false alarms fails: at least 95% found, at most 10% false alarms (every
# negative with a finding, the negatives byte-identical to a positive counted as positives only).
set(CORONER_SECRETS_CORPUS ${PROJECT_SOURCE_DIR}/tests/data/secrets/noseyparker-examples.json)
add_test(NAME "gdb: secrets corpus"
         COMMAND ${INTEGRATION_PYTHON} ${integration}/secrets_corpus.py ${gdb_script} $<TARGET_FILE:plant_texts>
                 ${PROJECT_SOURCE_DIR}/fixtures/collect-core.sh ${CORONER_SECRETS_CORPUS} 0.95 0.10)
add_test(NAME "gdb: buckets"
         COMMAND ${INTEGRATION_PYTHON} ${integration}/buckets.py ${gdb_script} ${CRASH_LAB_MANIFEST}
                 ${PROJECT_BINARY_DIR}/fixtures/elsewhere/bin/ledger_copy
                 ${PROJECT_BINARY_DIR}/fixtures/elsewhere/ledger_copy.core)

set(common_error_cases nothing-loaded unknown-flag truncated-core wrong-executable core-without-executable
                       corrupt-core help load-twice rules-file select prstatus-descsz sparse-core two-cores small-core
                       hostile-secret-rules hostile-blame-rule malformed-rules-files control-bytes
                       report-inputs)
# newline-path: LLDB's command line cannot name such a file (a newline ends the command).
foreach(case IN LISTS common_error_cases ITEMS running-process python-mismatch live-process newline-path)
  add_test(NAME "gdb: ${case}"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/errors.py ${case} gdb ${gdb_script} ${CRASH_LAB_BIN} ${cores})
endforeach()

# An AArch64 core made at test time with a cross compiler and qemu (no siginfo): the answer it allows; a core of
# a CPU coroner does not read: one line naming it.
add_test(NAME "gdb: aarch64-core" COMMAND ${INTEGRATION_PYTHON} ${integration}/foreign_arch.py gdb ${gdb_script})

# Every LLDB the plugin was built for: parity with GDB on every core, and the same errors.
set(previous_plugin "")
foreach(entry IN LISTS CORONER_LLDB_PLUGINS)
  string(REPLACE "," ";" entry "${entry}")
  list(GET entry 0 major)
  list(GET entry 1 plugin)
  list(GET entry 2 lldb)
  foreach(name IN LISTS crash_lab_names)
    add_test(NAME "lldb ${major}: parity ${name}"
             COMMAND ${INTEGRATION_PYTHON} ${integration}/parity_case.py ${gdb_script} ${plugin} ${lldb} ${name}
                     ${CRASH_LAB_BIN}/${name} ${cores}/${name}.core)
  endforeach()
  add_test(NAME "lldb ${major}: symbols"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/symbols_case.py lldb ${plugin} ${lldb} ${CRASH_LAB_BIN} ${cores})
  add_test(NAME "lldb ${major}: secrets"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/secrets_case.py lldb ${plugin} ${lldb} ${CRASH_LAB_BIN} ${cores})
  add_test(NAME "lldb ${major}: core text secrets"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/core_text_secrets.py lldb ${plugin} ${lldb} ${CRASH_LAB_BIN}
                   ${cores} ${PROJECT_SOURCE_DIR}/fixtures/collect-core.sh)
  add_test(NAME "lldb ${major}: threads"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/threads_case.py lldb ${plugin} ${lldb} ${CRASH_LAB_BIN} ${cores})
  add_test(NAME "lldb ${major}: aarch64-core"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/foreign_arch.py lldb ${plugin} ${lldb})
  foreach(case IN LISTS common_error_cases ITEMS live-process)
    add_test(NAME "lldb ${major}: ${case}"
             COMMAND ${INTEGRATION_PYTHON} ${integration}/errors.py ${case} lldb ${plugin} ${lldb} ${CRASH_LAB_BIN}
                     ${cores})
  endforeach()
  if(previous_plugin)
    add_test(NAME "lldb ${major}: plugin-mismatch"
             COMMAND ${INTEGRATION_PYTHON} ${integration}/errors.py plugin-mismatch lldb ${plugin} ${lldb}
                     ${CRASH_LAB_BIN} ${cores} ${previous_plugin} ${previous_lldb})
  endif()
  set(previous_plugin ${plugin})
  set(previous_lldb ${lldb})
endforeach()

# pm-report (issue 15) on every crash-lab core: the checker's sections in order, the same text in GDB and
# every LLDB, the facts of pm-triage's JSON, no secret value.
set(report_lldbs "")
foreach(entry IN LISTS CORONER_LLDB_PLUGINS)
  string(REPLACE "," ";" fields "${entry}")
  list(GET fields 1 plugin)
  list(GET fields 2 lldb)
  list(APPEND report_lldbs "${plugin},${lldb}")
endforeach()
set(postmortem_sections ${PROJECT_SOURCE_DIR}/common/rules/postmortem_sections.json)
foreach(name IN LISTS crash_lab_names)
  add_test(NAME "gdb and every lldb: report ${name}"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/report_case.py ${gdb_script} ${name} ${CRASH_LAB_BIN}/${name}
                   ${cores}/${name}.core ${postmortem_sections} ${report_lldbs})
endforeach()

# Crashes under Debian's CPython (issue 20): the Python crash-lab programs (fixtures/python) run here, their
# Python frames, blame and buckets in GDB and every LLDB, the same JSON in each; the CPython layout rule file
# against python3.11-dev's headers.
set(python_lldbs "")
foreach(entry IN LISTS CORONER_LLDB_PLUGINS)
  string(REPLACE "," ";" fields "${entry}")
  list(GET fields 1 plugin)
  list(GET fields 2 lldb)
  list(APPEND python_lldbs ${plugin} ${lldb})
endforeach()
add_test(NAME "gdb and every lldb: python stacks"
         COMMAND ${INTEGRATION_PYTHON} ${integration}/python_stacks.py ${gdb_script} ${PROJECT_SOURCE_DIR}/fixtures/python
                 ${PROJECT_SOURCE_DIR}/fixtures/collect-core.sh ${python_lldbs})
add_test(NAME "rules: cpython_3_11.json is python3.11-dev's layout"
         COMMAND ${INTEGRATION_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/cpython_layout.py 3.11
                 ${PROJECT_SOURCE_DIR}/common/rules/cpython_3_11.json --check)

if(TARGET coroner)
  foreach(case log check cli)
    add_test(NAME "gdb and every lldb: report ${case}"
             COMMAND ${INTEGRATION_PYTHON} ${integration}/report_more.py ${case} $<TARGET_FILE:coroner> ${gdb_script}
                     ${CRASH_LAB_BIN}/null_field_read ${cores}/null_field_read.core ${report_lldbs})
  endforeach()
endif()

# Hostile cores: a fixed stratified sample of the seeded mutants through every command in GDB and LLDB 14
# (bench: `mutants.py ... --all` runs every one of them).
foreach(entry IN LISTS CORONER_LLDB_PLUGINS)
  string(REPLACE "," ";" entry "${entry}")
  list(GET entry 0 major)
  if(major EQUAL 14)
    list(GET entry 1 plugin)
    list(GET entry 2 lldb)
    add_test(NAME "gdb and lldb 14: mutated cores"
             COMMAND ${INTEGRATION_PYTHON} ${integration}/mutants.py ${gdb_script} ${plugin} ${lldb} ${CRASH_LAB_BIN}
                     ${cores})
    set_tests_properties("gdb and lldb 14: mutated cores" PROPERTIES TIMEOUT 600)
  endif()
endforeach()

# The coroner program (issues 13, 14): a field folder of cores stored the ways they arrive, triaged in a batch
# through GDB and every LLDB, every row asserted; a core that outlives its time limit; the bucket report.
if(TARGET coroner)
  set(collect_core ${PROJECT_SOURCE_DIR}/fixtures/collect-core.sh)
  add_test(NAME "cli: field folder, gdb"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/field_batch.py $<TARGET_FILE:coroner> ${CRASH_LAB_MANIFEST}
                   gdb ${gdb_script})
  add_test(NAME "cli: buckets of the crash lab and the field folder, and their page in Chromium"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/bucket_table.py $<TARGET_FILE:coroner> ${CRASH_LAB_MANIFEST}
                   ${gdb_script})
  add_test(NAME "cli: check-postmortem on written examples"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/postmortem_check.py $<TARGET_FILE:coroner>
                   ${PROJECT_SOURCE_DIR}/tests/data/postmortem)
  add_test(NAME "cli: timeout, gdb"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/field_batch.py $<TARGET_FILE:coroner> ${CRASH_LAB_MANIFEST}
                   timeout gdb ${gdb_script} ${collect_core})
  # coroner triage --shard (issue 14): three shards run here, then a Slurm job array on a single-node cluster
  # the test starts itself (its daemons on loopback ports: run alone).
  add_test(NAME "cli: shards, gdb"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/slurm_shards.py local $<TARGET_FILE:coroner> ${gdb_script}
                   ${cores})
  add_test(NAME "cli: shards in a Slurm job array, gdb"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/slurm_shards.py slurm $<TARGET_FILE:coroner> ${gdb_script}
                   ${cores} ${PROJECT_SOURCE_DIR}/docs/fleet/triage-array.sh)
  set_tests_properties("cli: shards in a Slurm job array, gdb" PROPERTIES RUN_SERIAL TRUE TIMEOUT 400)
  # coroner secrets-scan and redact (issue 18): the field folder's secrets as GDB and every LLDB find them,
  # and its redacted copies loading in each with the same stack.
  set(secrets_debuggers "gdb:${gdb_script}")
  foreach(entry IN LISTS CORONER_LLDB_PLUGINS)
    string(REPLACE "," ";" entry "${entry}")
    list(GET entry 1 plugin)
    list(GET entry 2 lldb)
    list(APPEND secrets_debuggers "lldb:${plugin}:${lldb}")
  endforeach()
  add_test(NAME "cli: secrets-scan and redact of the field folder, gdb and every lldb"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/secrets_cli.py $<TARGET_FILE:coroner> ${CRASH_LAB_MANIFEST}
                   ${PROJECT_SOURCE_DIR}/fixtures/programs/secrets_everywhere.c ${secrets_debuggers})
  foreach(entry IN LISTS CORONER_LLDB_PLUGINS)
    string(REPLACE "," ";" entry "${entry}")
    list(GET entry 0 major)
    list(GET entry 1 plugin)
    list(GET entry 2 lldb)
    add_test(NAME "cli: field folder, lldb ${major}"
             COMMAND ${INTEGRATION_PYTHON} ${integration}/field_batch.py $<TARGET_FILE:coroner> ${CRASH_LAB_MANIFEST}
                     lldb ${plugin} ${lldb})
  endforeach()
endif()

# Issue 16: `cmake --install` into a temporary DESTDIR and another prefix, then SPEC's loading lines from
# there in GDB and in every LLDB (the extra LLDBs' plugins are their own install components), and the
# installed coroner program.
if(TARGET coroner)
  set(install_plugins "")
  foreach(entry IN LISTS CORONER_LLDB_PLUGINS)
    string(REPLACE "," ";" fields "${entry}")
    list(GET fields 0 major)
    list(GET fields 2 lldb)
    list(APPEND install_plugins "${major},${lldb}")
  endforeach()
  list(GET CORONER_LLDB_PLUGINS 0 primary_entry)
  string(REGEX MATCH "^[0-9]+" primary_major "${primary_entry}")
  add_test(NAME "install: cmake --install into DESTDIR, loaded from the prefix"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/install_tree.py ${PROJECT_BINARY_DIR} ${CRASH_LAB_BIN} ${cores}
                   ${primary_major} ${install_plugins})
endif()

# The Debian package: built with cpack, lintian-clean, installed with dpkg -i, the commands there in gdb -nh
# and lldb with no loading step, then dpkg -r leaves nothing. Alone: while it is installed every LLDB loads
# its plugin from /usr/lib/lldb/plugins (the other LLDB tests' `plugin load` would replace its commands
# anyway, AddCommand replacing a user command of the same name), and it rewrites the .deb in the build folder.
if(TARGET coroner)
  add_test(NAME "package: cpack -G DEB, lintian, dpkg -i, commands with no loading step, dpkg -r"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/debian_package.py ${PROJECT_BINARY_DIR} ${PROJECT_VERSION}
                   ${CRASH_LAB_BIN}/null_field_read ${cores}/null_field_read.core)
  set_tests_properties("package: cpack -G DEB, lintian, dpkg -i, commands with no loading step, dpkg -r"
                       PROPERTIES RUN_SERIAL TRUE TIMEOUT 600)
endif()

# The README's first command, end to end, in a tree of its own (a minute of compiling: the unity build at -O1).
add_test(NAME "demo: scripts/demo.sh shows pm-triage in GDB and LLDB"
         COMMAND ${INTEGRATION_PYTHON} ${integration}/demo_script.py ${PROJECT_SOURCE_DIR}
                 ${PROJECT_BINARY_DIR}/demo-test)
set_tests_properties("demo: scripts/demo.sh shows pm-triage in GDB and LLDB" PROPERTIES TIMEOUT 1300)

if(TARGET coroner)
  add_test(NAME "man: coroner(1) and coroner-commands(7) render and list every option of --help"
           COMMAND ${INTEGRATION_PYTHON} ${integration}/man_pages.py ${PROJECT_BINARY_DIR} ${gdb_script}
                   ${PROJECT_BINARY_DIR}/libcoroner-lldb.so)
endif()

# The crash lab cross-built for AArch64 and run under qemu: gdb-multiarch gives the x86-64 build's class, blame
# and signature (or a difference the test names), every LLDB gives gdb-multiarch's.
add_test(NAME "aarch64: the crash lab on AArch64 gives the x86-64 answers in gdb-multiarch and every LLDB"
         COMMAND ${INTEGRATION_PYTHON} ${integration}/aarch64_crash_lab.py ${CRASH_LAB_MANIFEST} ${gdb_script}
                 ${CORONER_LLDB_PLUGINS})
set_tests_properties("aarch64: the crash lab on AArch64 gives the x86-64 answers in gdb-multiarch and every LLDB"
                     PROPERTIES TIMEOUT 900)

# Stacks the unwinder gives up on (issue 19): the crash lab's programs without unwind tables, recovered by the
# frame-pointer chain or a stack scan, the same in GDB and every LLDB and compared with eu-stack's.
add_test(NAME "gdb and every lldb: stacks recovered past the unwinder"
         COMMAND ${INTEGRATION_PYTHON} ${integration}/stack_recovery.py ${CRASH_LAB_BIN} ${cores} ${gdb_script}
                 ${CORONER_LLDB_PLUGINS})
