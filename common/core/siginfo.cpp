#include "coroner/core/siginfo.hpp"

namespace coroner {

bool code_is_sent_by_process(int code) {
    // SI_USER (kill), SI_QUEUE (sigqueue), SI_TKILL (tgkill); SI_TIMER, SI_MESGQ, SI_ASYNCIO carry
    // other payloads.
    return code == 0 || code == -1 || code == -6;
}

SignalInfo keep_meaningful_fields(const SignalInfo& raw) {
    SignalInfo s;
    s.number = raw.number;
    s.code = raw.code;
    if (code_is_sent_by_process(raw.code)) {
        s.sender_pid = raw.sender_pid;
        s.sender_uid = raw.sender_uid;
    } else if (raw.code > 0 && raw.code != si_kernel) {
        switch (raw.number) {
        case sigill:
        case sigtrap:
        case sigbus:
        case sigfpe:
        case sigsegv: s.fault_address = raw.fault_address; break;
        default: break;
        }
    }
    return s;
}

}  // namespace coroner
