// The few Linux calls Swift cannot make directly (variadic in C).
#ifndef REKEY_SYSTEM_H
#define REKEY_SYSTEM_H

/// Marks the process non-dumpable: no core file, no ptrace or /proc/PID/mem by other
/// processes of the same user. Returns 0 on success, -1 with errno set otherwise.
int rekey_set_nondumpable(void);

/// 1 when the process is dumpable, 0 when not, -1 on error.
int rekey_is_dumpable(void);

#endif
