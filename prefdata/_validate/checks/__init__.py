"""Checks: each reads batches of one split, then reports into a `FindingSink`.

A check is a class with `update(view, sink)` called per batch, `end_split(split, sink)`
after the last batch of a split, and `finish(sink)` after the last split.
"""

from prefdata._validate.checks.base import Check

__all__ = ["Check"]
