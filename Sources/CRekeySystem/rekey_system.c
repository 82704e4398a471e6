// The few Linux calls Swift cannot make directly (prctl is variadic in C).
#include "rekey_system.h"

#if defined(__linux__)
#include <sys/prctl.h>

int rekey_set_nondumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }

int rekey_is_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }
#else
int rekey_set_nondumpable(void) { return 0; }

int rekey_is_dumpable(void) { return -1; }
#endif
