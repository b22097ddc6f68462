"""Row-level steps of conversion: dialogue parsing, preference encodings, pairing, shaping.

Every step works on plain Python rows (dicts) and raises `Drop` for a row or pair that must
be dropped; the orchestrator counts each reason.
"""

from prefdata.transforms.drops import Drop

__all__ = ["Drop"]
