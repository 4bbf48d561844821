"""GdbDebugger: libcoroner's Debugger interface over GDB's Python API.

It collects what GDB knows (threads, symbolized frames, memory) and leaves every judgement to
libcoroner. It never changes the user's selected thread or frame."""
import os
import re

import gdb

import _coroner

# `info target` names the core as "`PATH', file type BFD-FORMAT." where PATH may hold newlines.
_CORE_FILE = re.compile(r"Local core dump file:\s*`(.*?)', file type [^\n]*\.\n", re.DOTALL)


def _target_type(inferior):
    """What GDB's target for the inferior is: "core", "native", "remote"..., or None when there is none.
    GDB before 12 has no connection attribute: then a core is known from `info target`."""
    if not hasattr(inferior, "connection"):
        return "core" if _core_file_named_by_gdb() else ("native" if inferior.pid else None)
    connection = inferior.connection
    return connection.type if connection is not None else None


def _core_file(inferior):
    """The loaded core file: GDB's own attribute where it has one (Inferior.corefile, GDB 17), else the
    path `info target` prints, kept only if it names a regular file; None when GDB does not say."""
    corefile = getattr(inferior, "corefile", None)
    if corefile is not None:
        try:
            return os.path.abspath(corefile.filename)
        except (RuntimeError, gdb.error):
            return None
    return _core_file_named_by_gdb()


def _core_file_named_by_gdb():
    try:
        text = gdb.execute("info target", to_string=True)
    except gdb.error:
        return None
    paths = {os.path.abspath(m) for m in _CORE_FILE.findall(text) if os.path.isfile(m)}
    return paths.pop() if len(paths) == 1 else None


# GDB's type codes as libcoroner's kinds of value (which of them are scalars is libcoroner's to say).
_VALUE_KINDS = {gdb.TYPE_CODE_PTR: _coroner.ValueKind.pointer, gdb.TYPE_CODE_INT: _coroner.ValueKind.integer,
                gdb.TYPE_CODE_ENUM: _coroner.ValueKind.enumeration, gdb.TYPE_CODE_BOOL: _coroner.ValueKind.boolean,
                gdb.TYPE_CODE_CHAR: _coroner.ValueKind.character, gdb.TYPE_CODE_FLT: _coroner.ValueKind.floating}


def _lwp(thread):
    pid, lwp, tid = thread.ptid
    return lwp or tid or pid


_threads_by_lwp = {}


def _thread(tid):
    """The thread with that LWP. The map is rebuilt only when a lookup misses or finds a stale thread:
    scanning inferior.threads() on every call made pm-threads quadratic in the number of threads."""
    thread = _threads_by_lwp.get(tid)
    if thread is None or not thread.is_valid() or thread.inferior != gdb.selected_inferior():
        _threads_by_lwp.clear()
        _threads_by_lwp.update((_lwp(t), t) for t in gdb.selected_inferior().threads())
        thread = _threads_by_lwp.get(tid)
    return thread


class Selection:
    """Restores the selected thread and frame on exit, unless told to keep what was selected since.
    One is held around each whole command: saving and restoring per thread made pm-threads slow.
    The frame is saved only before the command first switches (_before_switch): reading it makes GDB
    unwind and read symbols, 20 ms on a big core, and a command that never switches (pm-secrets-scan,
    pm-redact) has nothing to restore."""

    keep = False
    active = None  # the Selection of the command that runs

    def __enter__(self):
        # Two threads of one tid in a damaged core leave GDB with a selected thread it cannot find
        # (SystemError: could not find gdb thread object): then there is none to restore.
        try:
            self.thread = gdb.selected_thread()
        except (gdb.error, SystemError):
            self.thread = None
        self.frame = None
        self.switched = False
        Selection.active = self
        return self

    def save_frame(self):
        if self.switched:
            return
        self.switched = True
        try:
            self.frame = gdb.selected_frame()
        except (gdb.error, SystemError):
            self.frame = None

    def __exit__(self, *exc):
        Selection.active = None
        if self.keep or not self.switched:
            return False
        try:
            if self.thread is not None and self.thread.is_valid():
                self.thread.switch()
                if self.frame is not None and self.frame.is_valid():
                    self.frame.select()
        except (gdb.error, SystemError):
            pass  # a frame of a damaged core that GDB cannot select again: nothing better to restore
        return False


def _before_switch():
    """Every switch of thread or frame below comes after this: the command's Selection saves the frame."""
    if Selection.active is not None:
        Selection.active.save_frame()


class GdbDebugger(_coroner.Debugger):
    def info(self):
        info = _coroner.DebuggerInfo()
        info.name = "gdb"
        info.kind = _coroner.DebuggerKind.gdb
        match = re.match(r"[0-9][0-9.]*", gdb.VERSION)
        info.version = match.group(0) if match else gdb.VERSION
        return info

    def target(self):
        state = _coroner.TargetState()
        executable = gdb.current_progspace().filename
        if executable:
            state.executable = os.path.abspath(executable)
        inferior = gdb.selected_inferior()
        kind = _target_type(inferior)
        if kind == "core":
            # A core whose path GDB does not give stays a core: libcoroner says so in one line.
            state.kind = _coroner.TargetKind.core
            state.core_file = _core_file(inferior)
        elif kind == "native" and inferior.pid:
            try:
                running = any(t.is_running() for t in inferior.threads())
            except gdb.error:
                running = False
            state.kind = _coroner.TargetKind.live_running if running else _coroner.TargetKind.live_stopped
            state.pid = inferior.pid
        elif kind is None or not inferior.pid:
            state.kind = _coroner.TargetKind.none
        else:
            # A remote or recorded target: its pid is not a process of this machine, whose /proc coroner
            # would read for a live one.
            state.kind = _coroner.TargetKind.unsupported
            state.description = kind
        return state

    def threads(self):
        result = []
        threads = gdb.selected_inferior().threads()
        _threads_by_lwp.clear()
        _threads_by_lwp.update((_lwp(t), t) for t in threads)
        for thread in sorted(threads, key=lambda t: t.num):
            info = _coroner.ThreadInfo()
            info.index = thread.num
            info.tid = _lwp(thread)
            try:
                info.name = thread.name
            except gdb.error:
                pass
            result.append(info)
        return result

    def unwind(self, tid, limit):
        thread = _thread(tid)
        if thread is None:
            return []
        result = []
        try:
            _before_switch()
            thread.switch()
            frame = gdb.newest_frame()
        except gdb.error:
            return []
        while frame is not None and (limit <= 0 or len(result) < limit):
            # A damaged core can leave GDB without a pc or a type for a frame: the stack ends there, as
            # GDB's own backtrace does.
            try:
                result.append(self._frame(frame))
                frame = frame.older()
            except gdb.error:
                break
        return result

    @staticmethod
    def _frame(frame):
        """One frame; raises gdb.error when GDB has no pc for it (the caller ends the stack there)."""
        out = _coroner.Frame()
        out.pc = frame.pc()
        out.inlined = frame.type() == gdb.INLINE_FRAME
        # GDB synthesizes frames for tail calls from DWARF call-site data.
        out.artificial = frame.type() == gdb.TAILCALL_FRAME
        out.debugger_index = frame.level()
        try:
            out.sp = int(frame.read_register("sp")) & 0xFFFFFFFFFFFFFFFF
        except (gdb.error, ValueError):
            pass
        try:
            out.function = frame.name()
            sal = frame.find_sal()
            if sal.symtab is not None:
                out.file = sal.symtab.fullname()
                if sal.line > 0:
                    out.line = sal.line
        except gdb.error:
            pass
        return out

    @staticmethod
    def _frame_at(tid, debugger_index):
        """The thread's frame with that level (the number `frame N` takes), selecting its thread."""
        thread = _thread(tid)
        if thread is None:
            return None
        try:
            _before_switch()
            thread.switch()
            frame = gdb.newest_frame()
            while frame is not None and frame.level() < debugger_index:
                frame = frame.older()
        except gdb.error:
            return None
        return frame if frame is not None and frame.level() == debugger_index else None

    def variables_as_given(self, tid, debugger_index):
        """Arguments and locals of one frame: every block from the pc out to the function's."""
        result = []
        try:
            frame = self._frame_at(tid, debugger_index)
            block = frame.block() if frame is not None else None
        except (gdb.error, RuntimeError):
            return result
        try:
            return self._block_variables(frame, block)
        except (gdb.error, RuntimeError):
            return result

    @staticmethod
    def _block_variables(frame, block):
        result = []
        seen = set()
        while block is not None:
            for symbol in block:
                if not (symbol.is_argument or symbol.is_variable) or symbol.name in seen:
                    continue
                if symbol.addr_class == gdb.SYMBOL_LOC_STATIC:
                    continue  # function-static: not the frame's own (LLDB leaves them out too)
                seen.add(symbol.name)
                out = _coroner.Variable()
                out.name = symbol.name
                out.argument = symbol.is_argument
                try:
                    value = symbol.value(frame)
                    out.kind = _VALUE_KINDS.get(value.type.strip_typedefs().code, _coroner.ValueKind.other)
                    if out.kind != _coroner.ValueKind.other:
                        out.value = int(value) & 0xFFFFFFFFFFFFFFFF
                except (gdb.error, gdb.MemoryError, ValueError):
                    pass
                result.append(out)
            if block.function is not None:
                break
            block = block.superblock
        return result

    def select_frame(self, tid, debugger_index):
        try:
            frame = self._frame_at(tid, debugger_index)
            if frame is None:
                return False
            _before_switch()
            frame.select()
            return True
        except gdb.error:
            return False

    def symbolize(self, pc):
        """Function, file and line of a code address, as a frame at that pc would show them."""
        out = _coroner.Frame()
        out.pc = pc
        try:
            block = gdb.current_progspace().block_for_pc(pc)
        except (RuntimeError, gdb.error):
            block = None
        # The outermost function around pc (not an inlined one): what LLDB's symbol context gives too.
        while block is not None and not (block.is_static or block.is_global):
            if block.function is not None:
                out.function = block.function.print_name
            block = block.superblock
        if out.function is None:
            # No debug info: the minimal symbol, from "0x... <name+offset>".
            try:
                match = re.search(r"<(.+?)(\+\d+)?>$", gdb.format_address(pc))
            except gdb.error:
                match = None
            if match:
                out.function = match.group(1)
        try:
            sal = gdb.find_pc_line(pc)
        except gdb.error:
            return out
        if sal.symtab is not None:
            out.file = sal.symtab.fullname()
            if sal.line > 0:
                out.line = sal.line
        return out

    def live_signal(self):
        """The raw fields of the selected thread's siginfo; libcoroner decides which of them apply."""
        try:
            siginfo = gdb.parse_and_eval("$_siginfo")
            info = _coroner.SignalInfo()
            info.number = int(siginfo["si_signo"])
            info.code = int(siginfo["si_code"])
            fields = siginfo["_sifields"]
            info.fault_address = int(fields["_sigfault"]["si_addr"]) & 0xFFFFFFFFFFFFFFFF
            info.sender_pid = int(fields["_kill"]["si_pid"])
            info.sender_uid = int(fields["_kill"]["si_uid"])
            return info
        except (gdb.error, gdb.MemoryError, ValueError):
            return None

    def selected_tid(self):
        try:
            thread = gdb.selected_thread()
        except (gdb.error, SystemError):
            return None
        return _lwp(thread) if thread is not None else None

    def registers(self, tid, names):
        thread = _thread(tid)
        values = {}
        if thread is None:
            return values
        try:
            _before_switch()
            thread.switch()
            frame = gdb.newest_frame()
        except gdb.error:
            return values
        for name in names:
            try:
                values[name] = int(frame.read_register(name)) & 0xFFFFFFFFFFFFFFFF
            except (gdb.error, ValueError):
                pass
        return values

    def frame_register(self, tid, debugger_index, name):
        try:
            frame = self._frame_at(tid, debugger_index)
            if frame is None:
                return None
            value = frame.read_register(name)
            if value.is_optimized_out:
                return None
            return int(value) & 0xFFFFFFFFFFFFFFFF
        except (gdb.error, ValueError):
            return None

    def read_memory(self, address, size):
        try:
            return bytes(gdb.selected_inferior().read_memory(address, size))
        except (gdb.MemoryError, gdb.error, OverflowError):
            return None
