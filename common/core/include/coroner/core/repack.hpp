// Storing a plain ELF core back the way it came: compressed as systemd-coredump keeps it (zstd, lz4, xz,
// gzip), or inside an apport report whose other fields are kept. A redacted copy goes where the original
// went, so the tools that read the original read the copy the same way.
#pragma once

#include "coroner/core/intake.hpp"

#include <functional>
#include <string>

namespace coroner {

// Writes the plain core `plain_core` to `out_fd` compressed as `format` (zstd, lz4, xz or gzip), one
// stream that the matching tool (`zstd -d`, `lz4 -d`, `xz -d`, `gunzip`) and coroner's intake unpack.
void pack_core(const std::string& plain_core, StoredFormat format, int out_fd, const StepCheck& check = {});

// Each line of a report's text field, as it is to be written (a secret in a command line taken out).
using EditLine = std::function<std::string(const std::string&)>;

// Writes the apport report `report` to `out_fd` with its CoreDump field holding `plain_core` instead,
// compressed as the report's was (`compression`: gzip or zstd) and base64-encoded as apport writes it.
// Every other field is copied in order, the lines of text fields through `edit_line`, base64 fields as
// they are.
void repack_apport_report(const std::string& report, const std::string& plain_core, StoredFormat compression,
                          int out_fd, const EditLine& edit_line, const StepCheck& check = {});

// systemd-coredump's extended attributes (user.coredump.*: the crash's time, host, command line...) of
// `from`, put on `to_fd` with each value through `edit_line`, so that the copy keeps the facts the intake
// reads. Quietly does what the file systems allow (tmpfs before Linux 6.6 keeps no user attributes).
void copy_coredump_xattrs(const std::string& from, int to_fd, const EditLine& edit_line);

}  // namespace coroner
