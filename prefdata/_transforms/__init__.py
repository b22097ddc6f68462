"""The steps of conversion: dialogue parsing, preference encodings, pairing, shaping.

The modules here work on plain Python rows (dicts) and raise `Drop` for a row or pair that
must be dropped; the orchestrator counts each reason. This *row path* is the reference.
`prefdata._transforms.batch` converts whole Arrow batches for the layouts it covers, with the
row path's output, and hands it every row it is not sure of.
"""

from prefdata._transforms.drops import Drop

__all__ = ["Drop"]
