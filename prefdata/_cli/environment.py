"""Environment variables the commands read, mapped onto the library's explicit arguments.

| variable           | argument  | values                                                        |
| ------------------ | --------- | ------------------------------------------------------------- |
| `PREFDATA_WORKERS` | `workers` | unset: None (min(CPUs, 4)); 0 or 1: one; N: N threads or processes |
| `PREFDATA_BATCH`   | `batch`   | `0`: the batch lane off; anything else or unset: on           |

Only the CLI reads them: the library takes the arguments (`prefdata.convert(..., workers=, batch=)`).
"""

from __future__ import annotations

import os
from typing import Any

from prefdata._errors import PrefdataError


def engine_settings() -> dict[str, Any]:
    """`workers` and `batch` for `prefdata.convert` / `prefdata.mix`, from the environment."""
    return {"workers": workers_setting(), "batch": os.environ.get("PREFDATA_BATCH", "").strip() != "0"}


def workers_setting() -> int | None:
    """`PREFDATA_WORKERS` as a number of workers (at least 1), or None when unset."""
    value = os.environ.get("PREFDATA_WORKERS", "").strip()
    if not value:
        return None
    try:
        return max(int(value), 1)
    except ValueError:
        raise PrefdataError(
            f"PREFDATA_WORKERS={value!r} is not a whole number",
            fix="set it to 0 or 1 (convert in one process) or to a number of worker processes",
        ) from None
