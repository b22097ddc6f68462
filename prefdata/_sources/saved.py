"""Reading folders written by `datasets` `save_to_disk` (a Dataset or a DatasetDict).

The folder's files and the reading of its `dataset_dict.json` and `state.json` belong to
`prefdata._canonical_folder` (`is_saved_dataset`, `saved_split_files`), which convert, validate
and mix share. The Arrow files (IPC streams) are memory-mapped and read by record batches,
never loaded.
"""

from __future__ import annotations

from pathlib import Path

from prefdata._sources.files import file_num_rows


def arrow_rows(files: list[Path]) -> int:
    """Total rows of Arrow files (cheap: memory-mapped batch headers)."""
    return sum(file_num_rows(path) or 0 for path in files)
