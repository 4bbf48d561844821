"""coroner's GDB frontend: registers every pm-* command that libcoroner declares.

Each command forwards its raw argument string and a GdbDebugger to libcoroner and prints what comes
back. Nothing is decided here."""
import gdb

import _coroner

from .adapter import GdbDebugger, Selection


class _CoronerCommand(gdb.Command):
    def __init__(self, name, help_text):
        self.__doc__ = help_text
        super().__init__(name, gdb.COMMAND_USER)
        self._name = name

    def invoke(self, argument, from_tty):
        self.dont_repeat()
        # Commands switch threads and frames to read them; the user's selection comes back afterwards,
        # unless the command changed it on purpose.
        with Selection() as selection:
            try:
                outcome = _coroner.run_command(self._name, argument, GdbDebugger())
            except KeyboardInterrupt:
                raise gdb.GdbError("%s: error: interrupted (run it again)" % self._name) from None
            selection.keep = outcome.selection_changed
        if not outcome.ok:
            raise gdb.GdbError(outcome.error)
        _coroner.write_output(outcome, gdb.write)  # in pieces (see module.cpp)
        gdb.flush()


def register():
    for command in _coroner.commands():
        _CoronerCommand(command.name, _coroner.command_help(command))
