"""Value ranges of `RewardConfig` fields that transformers leaves unchecked.

Out of range, each of these fails late and far from its cause (a batch size of 0 in torch's
sampler, a negative learning rate in the optimizer, 0 accumulation steps as a division by zero)
or, worse, trains silently into a broken model (a NaN `center_rewards_coefficient` makes every
weight NaN; a negative one rewards pushing rewards apart). They are checked when the config is
made, and every problem is reported in one error.
"""

from __future__ import annotations

import math
from typing import Any

from prefdata._errors import PrefdataError

# field -> (lowest allowed value, whether None is allowed, what the value means)
_AT_LEAST: dict[str, tuple[float, bool, str]] = {
    "per_device_train_batch_size": (1, False, "pairs per device and step"),
    "per_device_eval_batch_size": (1, False, "pairs per device and evaluation step"),
    "gradient_accumulation_steps": (1, False, "batches per optimizer step"),
    "max_length": (1, True, "tokens per sequence (None: no limit)"),
    "learning_rate": (0.0, False, "the optimizer's step size"),
    "center_rewards_coefficient": (0.0, True, "weight of the reward-centering term (None: off)"),
}


def range_problems(config: Any) -> list[str]:
    """One line per field of `config` whose value is outside its range (NaN and infinity included)."""
    problems = []
    for name, (lowest, none_ok, meaning) in _AT_LEAST.items():
        value = getattr(config, name, None)
        if value is None and none_ok:
            continue
        if not _number_at_least(value, lowest):
            allowed = f">= {lowest:g}" + (" or None" if none_ok else "")
            option = "--" + name.replace("_", "-")
            problems.append(
                f"`{name}` ({option}) is {value!r}; it is {meaning} and must be a finite number {allowed}"
            )
    return problems


def _number_at_least(value: Any, lowest: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and value >= lowest


def check_ranges(config: Any) -> None:
    """Raise one `PrefdataError` listing every out-of-range field of `config`."""
    problems = range_problems(config)
    if problems:
        raise PrefdataError(
            f"{len(problems)} setting(s) out of range:\n  " + "\n  ".join(problems),
            where="RewardConfig",
            fix="set each named field within its range",
        )
