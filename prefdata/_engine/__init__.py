"""The conversion engine: one unit of work, one result, strategies that run it.

| module         | role                                                                 |
| -------------- | -------------------------------------------------------------------- |
| `work.py`      | a chunk of input rows and what converting it gave (`Converted`, one `+`), the flush size |
| `rows.py`      | the row path, the reference: units of rows converted one at a time   |
| `lane.py`      | the batch lane: a record batch converted in Arrow, unsure rows on the row path |
| `batches.py`   | the lane's executor: chunks on threads beside a reader thread        |
| `processes.py` | the row path on chunks in forked worker processes (`scratch.py`: their files) |
| `ordered.py`   | results taken and written in chunk order, the progress bar           |
| `split.py`     | which strategy converts a split (`convert_split`)                    |

Strategies and settings are arguments (`workers`, `batch`); no module here reads the
environment, and none imports the orchestrator (`prefdata.convert`).
"""
