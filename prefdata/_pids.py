"""Whether a process is alive: how a run tells its own leftovers from those of a process that died."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """True while process `pid` exists (also one of another user, which we may not signal)."""
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True
