"""Runs a command that gets SIGTERM when the process that started it dies.

Why: the benches stop their servers by pid, but a test runner killed outright (jest tearing down a
crashed worker, a SIGKILLed shell) runs no cleanup, and moto servers would pile up. Linux's
prctl(PR_SET_PDEATHSIG) survives the exec below, so the server itself goes away with its parent.
Elsewhere (no prctl) this is a plain exec and the callers' own cleanup is all there is.

Usage: exit-with-parent.py PARENT_PID COMMAND [ARG...]   (COMMAND replaces this process: same pid)
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1

parent = int(sys.argv[1])
try:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
except (OSError, AttributeError):
    pass
if os.getppid() != parent:  # the parent died before the signal was armed
    sys.exit(1)
os.execvp(sys.argv[2], sys.argv[2:])
