#include "coroner/commands/session.hpp"
#include "coroner/base/regular_file.hpp"

#include "coroner/analysis/blame.hpp"
#include "coroner/analysis/names.hpp"
#include "coroner/analysis/signals.hpp"
#include "coroner/analysis/stack_recovery.hpp"
#include "coroner/base/error.hpp"
#include "coroner/base/text.hpp"
#include "coroner/core/module_file.hpp"
#include "coroner/core/process_map.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>

namespace coroner {
namespace {

constexpr std::uint64_t at_phdr = 3, at_entry = 9;

// The executable's mapping in the core: the one holding the program entry point (auxv), named by NT_FILE.
std::optional<std::string> executable_path_in_core(const ElfCore& core) {
    for (auto [key, value] : core.auxv())
        if (key == at_entry || key == at_phdr)
            for (const auto& m : core.file_mappings())
                if (m.start <= value && value < m.end) return m.path;
    return std::nullopt;
}

// The debugger answers for memory that the core and the files on disk do not hold, but not for the part of
// a core segment the kernel left out: GDB reads such a gap as zeros (the code of a library that is not on
// this machine, say), and decoding zeros as code gave an instruction that was never there. Bytes from
// nowhere are unknown, never zeros.
class DebuggerOutsideCoreGaps final : public MemoryReader {
public:
    DebuggerOutsideCoreGaps(const ElfCore& core, MemoryReader& debugger) : core_(core), debugger_(debugger) {}
    std::optional<std::vector<std::uint8_t>> read(std::uint64_t address, std::size_t size) override {
        for (const auto& seg : core_.segments()) {
            std::uint64_t gap_start = seg.vaddr + seg.filesz, gap_end = seg.vaddr + seg.memsz;
            if (address < gap_end && address + size > gap_start) return std::nullopt;
        }
        return debugger_.read(address, size);
    }

private:
    const ElfCore& core_;
    MemoryReader& debugger_;
};

ExecutableCheck check_executable(ElfCore& core, const std::string& opened) {
    ExecutableCheck check;
    check.path_in_core = executable_path_in_core(core);
    check.build_id_on_disk = read_module_file(opened).build_id;
    if (!check.path_in_core) return check;
    for (const auto& m : core.file_mappings())
        if (m.path == *check.path_in_core && m.file_offset == 0) {
            check.build_id_in_core = build_id_in_memory(core, m.start);
            break;
        }
    if (check.build_id_in_core && check.build_id_on_disk && *check.build_id_in_core != *check.build_id_on_disk) {
        if (base_name(*check.path_in_core) != base_name(opened))
            throw UserError(fmt::format("the core was written by {} (build-id {}), but the executable loaded is {} "
                                        "(build-id {})",
                                        *check.path_in_core, *check.build_id_in_core, opened, *check.build_id_on_disk),
                            "open the core with the program that produced it");
        check.mismatched = true;
    }
    return check;
}

// A core without NT_FILE (qemu-user's) names no file behind any mapping. A program loaded at fixed addresses
// (ET_EXEC: not a PIE, whose load address the core would have to say, in NT_AUXV, which it lacks too) is where
// its PT_LOADs say: those mappings are the program's, so that its frames have a module and count as its code.
void name_fixed_program_mappings(Session& s) {
    const ModuleFile& program = read_module_file(*s.target.executable);
    if (!program.readable || !program.fixed_address || program.machine != s.arch->elf_machine) return;
    bool named = false;
    for (auto& m : s.facts.mappings)
        for (const auto& load : program.loads)
            if (m.path.empty() && load.start <= m.start && m.start < load.end) {
                m.path = *s.target.executable;
                m.file_offset = load.file_offset + (m.start - load.start);
                named = true;
            }
    if (named) s.executable.path_in_core = s.target.executable;
}

// The CPU a live process runs on: its program's. (A core says which it is; a process of this machine may
// still be another's, a 32-bit one say.)
const Arch& live_process_arch(const Session& s) {
    std::string program = s.target.executable.value_or(fmt::format("/proc/{}/exe", *s.target.pid));
    const ModuleFile& file = read_module_file(program);
    if (!file.readable)
        throw UserError(fmt::format("cannot tell the CPU of process {}: its program {} is not a readable ELF file",
                                    *s.target.pid, program),
                        fmt::format("load the program the process runs: {}",
                                    s.debugger_info.name == "lldb" ? "`target create PROG`" : "`file PROG`"));
    const Arch* arch = arch_for_elf_machine(file.machine);
    if (!arch)
        throw UserError(fmt::format("process {} is {} process; coroner reads {} processes only", *s.target.pid,
                                    elf_machine_name(file.machine), supported_arch_names()),
                        "the debugger's own commands still work on it: a backtrace, the registers");
    return *arch;
}

// Why the core's path is unknown, if the adapter knows, and how to reload it in the debugger at hand.
UserError core_file_unknown(const Session& s) {
    std::string why = s.target.description.empty() ? "" : ": " + s.target.description;
    return UserError("the debugger does not say which core file is loaded" + why,
                     syntax_of(s.debugger_info.kind).reload_core);
}

// The core file of s.target: its facts, and the program it came from checked against it (when a program
// is loaded; without one, the program's path is the one the core names).
void read_core(Session& s) {
    s.core = ElfCore::open(*s.target.core_file);
    s.arch = &s.core->arch();
    s.facts = s.core->facts();
    if (!s.target.executable) {
        s.executable.path_in_core = executable_path_in_core(*s.core);
        return;
    }
    s.executable = check_executable(*s.core, *s.target.executable);
    if (s.core->file_mappings().empty()) name_fixed_program_mappings(s);
}

// The read-only file-backed pages the core left out, read from the files (the program from where it was
// opened).
void add_file_memory(Session& s) {
    std::map<std::string, std::string> renamed;
    if (s.executable.path_in_core && s.target.executable) renamed[*s.executable.path_in_core] = *s.target.executable;
    s.files = std::make_unique<FileMemory>(s.facts.mappings, renamed);
}

// CORONER_PYTHON_STACKS=0 leaves the Python frames out (bench/python_stacks.py measures what they cost).
bool python_stacks_wanted() {
    const char* wanted = std::getenv("CORONER_PYTHON_STACKS");
    return !wanted || std::string(wanted) != "0";
}

// The frame's function as every command names it (a Rust function by Rust's rules, known by its source file).
std::optional<std::string> normalized_function(const Frame& f) {
    if (!f.function) return std::nullopt;
    return normalize_function(*f.function, f.file && ends_with(*f.file, ".rs"));
}

// Where a CPython interpreter can be: the program itself (Debian's python3.11), or a libpython it loaded.
std::vector<std::string> python_modules(const Session& s, const std::vector<Mapping>& on_disk) {
    std::vector<std::string> modules = {*s.target.executable};
    for (const auto& m : on_disk)
        if (m.file_offset == 0 && base_name(m.path).rfind("libpython3", 0) == 0) modules.push_back(m.path);
    return modules;
}

}  // namespace

Session open_session(Debugger& debugger) {
    Session s;
    s.debugger = &debugger;
    s.debugger_info = debugger.info();
    s.target = debugger.target();
    // GDB names a program loaded through a symbolic link (/usr/bin/python3) by the file it links to (python3.11),
    // LLDB by the link: both become the file, which is also the path the core records.
    if (s.target.executable) s.target.executable = real_path(*s.target.executable);
    switch (s.target.kind) {
    case TargetKind::none:
        throw UserError("no core file or process is loaded", syntax_of(s.debugger_info.kind).open_target);
    case TargetKind::live_running:
        throw UserError("the process is running", "interrupt it, or wait until it stops on a signal");
    case TargetKind::unsupported:
        throw UserError(fmt::format("the debugger's target is a {} connection, not a core file or a process of this "
                                    "machine",
                                    s.target.description),
                        "open the core file, or debug the process on the machine it runs on");
    case TargetKind::core: {
        if (!s.target.executable)
            throw UserError("a core file is loaded without its executable",
                            syntax_of(s.debugger_info.kind).load_program);
        if (!s.target.core_file) throw core_file_unknown(s);
        read_core(s);
        break;
    }
    case TargetKind::live_stopped: {
        if (!s.target.pid) throw UserError("the debugger gives no pid for the live process", "reattach to it");
        s.arch = &live_process_arch(s);
        s.facts = live_process_facts(*s.target.pid);
        if (auto raw = debugger.live_signal()) s.facts.signal = keep_meaningful_fields(*raw);
        s.facts.crashing_tid = debugger.selected_tid();
        if (s.target.executable) s.executable.path_in_core = s.target.executable;
        break;
    }
    }
    add_file_memory(s);
    if (s.core) s.debugger_memory = std::make_unique<DebuggerOutsideCoreGaps>(*s.core, debugger);
    s.memory = std::make_unique<ChainedMemory>(std::vector<MemoryReader*>{
        s.core.get(), s.files.get(), s.debugger_memory ? s.debugger_memory.get() : &debugger});

    if (s.target.executable && read_module_file(*s.target.executable).readable) {
        const std::vector<Mapping> on_disk = s.mappings_on_disk();
        s.go_panic = coroner::go_panic(*s.arch, *s.memory, on_disk, *s.target.executable);
        if (python_stacks_wanted()) s.python = python_stacks(*s.memory, on_disk, python_modules(s, on_disk));
    }

    s.threads = debugger.threads();
    if (s.threads.empty()) throw UserError("the debugger lists no threads", "reload the core or process");
    // A core records one name, the process's; GDB shows none per thread and LLDB gives every thread that
    // one. Name the main thread only, whichever debugger asked.
    if (s.target.kind == TargetKind::core)
        for (auto& t : s.threads) t.name = t.tid == s.facts.pid ? s.facts.program : std::nullopt;
    s.crashing_thread = s.threads.front();
    if (s.facts.crashing_tid)
        for (const auto& t : s.threads)
            if (t.tid == *s.facts.crashing_tid) s.crashing_thread = t;
    if (!s.crashing_thread.name && s.crashing_thread.tid == s.facts.pid) s.crashing_thread.name = s.facts.program;
    if (s.target.kind != TargetKind::core && s.facts.crash_registers.empty()) {
        s.facts.crash_registers = debugger.registers(s.crashing_thread.tid, s.arch->debugger_registers);
        s.arch->add_low32_names(s.facts.crash_registers);
    }
    if (!s.facts.crash_pc) {
        auto top = debugger.frames(s.crashing_thread.tid, 1);
        if (!top.empty()) {
            s.facts.crash_pc = top.front().pc;
            s.facts.crash_sp = top.front().sp;
        }
    }
    return s;
}

Session open_core_file(const std::string& core_path, const std::optional<std::string>& program) {
    Session s;
    s.debugger_info = {"coroner", "", DebuggerKind::gdb};
    s.target.kind = TargetKind::core;
    s.target.core_file = core_path;
    s.target.executable = program;
    read_core(s);
    add_file_memory(s);
    s.memory = std::make_unique<ChainedMemory>(std::vector<MemoryReader*>{s.core.get(), s.files.get()});
    return s;
}

namespace {

// GDB gives a source file's real path (symlinks resolved), LLDB the path the debug info records
// (Debian's Go: /usr/lib/go-1.19/src is a link to /usr/share/go-1.19/src). Where the file is here,
// both become its real path.
std::string real_source_path(const std::string& path) {
    static std::map<std::string, std::string> cache;
    auto it = cache.find(path);
    if (it != cache.end()) return it->second;
    return cache.emplace(path, !path.empty() && path[0] == '/' ? real_path(path) : path).first->second;
}

// Where a backtrace ends: at `main` (Go's `main.main`), as GDB does (what called it is start-up); for Rust at the
// crate's `main`, which GDB knows from the debug info and LLDB does not (the next frame is std's
// lang_start plumbing, starting with a FnOnce::call_once).
bool is_outermost(const std::vector<Frame>& frames, std::size_t i) {
    if (frames[i].function == "main" || frames[i].function == "main.main") return true;  // C, C++; Go
    return frames[i].function && ends_with(*frames[i].function, "::main") && i + 1 < frames.size() &&
           frames[i + 1].function && frames[i + 1].function->rfind("core::ops::function::FnOnce::call_once", 0) == 0;
}

// Go's inlining is in its DWARF, which GDB reads and LLDB does not: GDB shows `runtime.mPark` inlined in
// `runtime.stopm`, LLDB only `stopm`, at the inlined code's line. Both become LLDB's view: an inlined Go
// frame folds into its caller, which keeps the innermost file, line and pc.
void fold_go_inlined_frames(std::vector<Frame>& frames) {
    for (std::size_t i = 0; i + 1 < frames.size();) {
        if (frames[i].inlined && frames[i].file && ends_with(*frames[i].file, ".go")) {
            frames[i + 1].file = frames[i].file;
            frames[i + 1].line = frames[i].line;
            frames[i + 1].pc = frames[i].pc;
            frames.erase(frames.begin() + static_cast<std::ptrdiff_t>(i));
            continue;
        }
        i++;
    }
    for (std::size_t i = 0; i < frames.size(); i++) frames[i].index = static_cast<int>(i);
}

}  // namespace

std::vector<Frame> Session::frames(const ThreadInfo& thread, int limit) const {
    if (thread.tid == crashing_thread.tid && crash_frames_walked()) {
        std::vector<Frame> walked = frames_at(go_panic->stack);
        if (limit > 0 && walked.size() > static_cast<std::size_t>(limit))
            walked.resize(static_cast<std::size_t>(limit));
        return walked;
    }
    std::vector<Frame> given = debugger->frames(thread.tid, limit);
    const std::size_t given_count = given.size();
    std::vector<Frame> frames = finished(std::move(given));
    // A stack ended early: the debugger stopped short of the limit, or gave frames that were garbage.
    bool short_of_limit = limit <= 0 || given_count < static_cast<std::size_t>(limit) || frames.size() < given_count;
    if (recover_frames && !frames.empty() && short_of_limit && !ends_stack(frames, frames.size() - 1)) {
        std::vector<Frame> more = recovered(thread.tid, frames);
        for (auto& f : more) frames.push_back(std::move(f));
        if (limit > 0 && frames.size() > static_cast<std::size_t>(limit))
            frames.resize(static_cast<std::size_t>(limit));
        for (std::size_t i = 0; i < frames.size(); i++) frames[i].index = static_cast<int>(i);
    }
    const PythonThread* py = python ? python->thread(thread.tid) : nullptr;
    if (!py) return frames;
    std::vector<Frame> all = with_python_frames(frames, python->eval_function, *py);
    if (limit > 0 && all.size() > static_cast<std::size_t>(limit)) all.resize(static_cast<std::size_t>(limit));
    return all;
}

bool Session::lost_here(const std::vector<Frame>& frames, std::size_t i) const {
    const Frame& f = frames[i];
    if (frames[i - 1].inlined || f.found_by != FoundBy::debugger || !memory) return false;
    const Frame& below = frames[i - 1];
    if (f.function) {
        // The return address of the frame below again, after a call to another function: the unwinder took
        // that frame for its own caller (gdb-multiarch does, up and up the stack, on AArch64 code without
        // unwind tables or frame pointers). Direct recursion calls the frame's own function, and stays.
        if (i < 2 || f.pc != below.pc || !below.function) return false;
        auto call = call_before(*arch, *memory, f.pc);
        if (!call || !call->target) return false;
        auto callee = normalized_function(debugger->symbolize(*call->target));
        return callee && *callee != *below.function;
    }
    // A guess of the debugger's heuristics: no function there, and no call before it (a caller's pc is a
    // return address) unless the frame below is a signal trampoline (then the pc is the interrupted one).
    const auto& trampolines = recovery_limits().trampolines;
    if (below.function && std::any_of(trampolines.begin(), trampolines.end(),
                                      [&](const Pattern& p) { return p.full_match(*below.function); }))
        return false;
    return !call_before(*arch, *memory, f.pc);
}

bool Session::ends_stack(const std::vector<Frame>& frames, std::size_t i) const {
    if (is_outermost(frames, i)) return true;
    if (const SkipRule* rule = matching_rule(builtin_skip_rules(), frames, i); rule && rule->role == BlameRole::entry)
        return true;
    const Frame& f = frames[i];
    if (!f.function) return false;
    const auto& entries = recovery_limits().entries;
    return std::any_of(entries.begin(), entries.end(), [&](const Pattern& p) { return p.full_match(*f.function); });
}

std::vector<Frame> Session::recovered(std::int64_t tid, const std::vector<Frame>& frames) const {
    const Frame& last = frames.back();
    if (!last.sp || !last.debugger_index) return {};
    RecoveryStart start;
    start.pc = last.pc;
    start.sp = *last.sp;
    start.frame_pointer = debugger->frame_register(tid, *last.debugger_index, arch->fp);
    if (frames.size() == 1 && arch->link_register)
        start.link = debugger->frame_register(tid, *last.debugger_index, *arch->link_register);
    start.function = last.function;
    // Past the innermost frame a pc is a return address: its call, which names the caller, is just before it.
    // Each return address is named twice (is it an entry? then the frame itself): the debugger is asked once.
    std::map<std::uint64_t, Frame> named;
    auto caller = [&](std::uint64_t return_address) {
        auto it = named.find(return_address);
        if (it == named.end()) it = named.emplace(return_address, debugger->symbolize(return_address - 1)).first;
        return it->second;
    };
    CodeNames names;
    names.function_at = [&](std::uint64_t address) { return normalized_function(debugger->symbolize(address)); };
    names.is_entry = [&](std::uint64_t return_address) {
        Frame f = caller(return_address);
        f.function = normalized_function(f);
        return ends_stack({last, f}, 1);
    };
    std::vector<Frame> more;
    for (const RecoveredFrame& r : recover_stack(*arch, *memory, facts.mappings, start, names)) {
        Frame f = r.exact_pc ? debugger->symbolize(r.pc) : caller(r.pc);
        f.pc = r.pc;
        f.sp = r.sp;
        f.found_by = r.found_by;
        f.debugger_index.reset();  // not a frame the debugger can select
        more.push_back(std::move(f));
    }
    return finished(std::move(more));
}

std::vector<Frame> Session::frames_at(const std::vector<std::uint64_t>& pcs) const {
    std::vector<Frame> frames;
    for (std::size_t i = 0; i < pcs.size(); i++) {
        // Past the innermost frame a pc is a return address: its call is the instruction before it.
        Frame f = debugger->symbolize(i == 0 ? pcs[i] : pcs[i] - 1);
        f.index = static_cast<int>(i);
        f.pc = pcs[i];
        frames.push_back(std::move(f));
    }
    return finished(std::move(frames));
}

std::vector<Frame> Session::finished(std::vector<Frame> frames) const {
    for (auto& f : frames) {
        f.function = normalized_function(f);
        if (f.file) f.file = normalize_source_path(real_source_path(*f.file));
    }
    fold_go_inlined_frames(frames);
    for (std::size_t i = 0; i < frames.size(); i++)
        if (is_outermost(frames, i)) {
            frames.resize(i + 1);
            break;
        }
    for (std::size_t i = 0; i < frames.size(); i++) {
        Frame& f = frames[i];
        // An inlined frame and the frame it is inlined into are one physical frame: one pc. (GDB gives
        // both the same pc; LLDB gives the outer one the start of the inlined range.)
        if (i > 0 && frames[i - 1].inlined) f.pc = frames[i - 1].pc;
        f.module.reset();
        const Mapping* m = ProcessMap(facts.mappings).at(f.pc);
        // Past the innermost frame, a pc outside executable memory means the unwinder lost the stack
        // (a smashed stack, say): what follows is garbage, which GDB prints and LLDB does not.
        // The same frame again (pc and stack pointer: not recursion, which moves the stack) is an unwinder
        // going round in circles, as LLDB can on code without unwind tables: the stack ends there too.
        bool repeated = i > 0 && !frames[i - 1].inlined && f.pc == frames[i - 1].pc && f.sp && f.sp == frames[i - 1].sp;
        if (i > 0 && (!m || !m->executable || repeated || lost_here(frames, i))) {
            frames.resize(i);
            break;
        }
        if (m && !m->path.empty()) {
            bool is_program = executable.path_in_core && m->path == *executable.path_in_core;
            f.module = is_program && target.executable ? *target.executable : m->path;
        }
    }
    return frames;
}

std::vector<Mapping> Session::mappings_on_disk() const {
    std::vector<Mapping> mappings = facts.mappings;
    if (executable.path_in_core && target.executable)
        for (auto& m : mappings)
            if (m.path == *executable.path_in_core) m.path = *target.executable;
    return mappings;
}

}  // namespace coroner
