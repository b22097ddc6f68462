"""Whether the trainer's packages (the `[train]` extra) are installed, checked without importing them.

`pip install prefdata` is the light converter and validator; every `prefdata-train` command,
`--help` included, needs torch, transformers, accelerate, peft and matplotlib. Looking them
up (`find_spec`) costs milliseconds where importing them would cost seconds.
"""

from __future__ import annotations

import importlib.util

TRAINER_PACKAGES = ("torch", "transformers", "accelerate", "peft", "matplotlib")
INSTALL_HINT = 'prefdata-train needs the trainer\'s packages: pip install "prefdata[train]"'


def missing_trainer_packages() -> list[str]:
    """The trainer packages that are not installed (or are blocked), in `TRAINER_PACKAGES` order."""
    missing = []
    for name in TRAINER_PACKAGES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a broken or half-removed install counts as missing
            found = False
        if not found:
            missing.append(name)
    return missing
