"""Where `evaluate`, `score` and `normalize` may write: never over, into or around their inputs.

An output (the scores file or folder, the HTML page, the plot) that is, holds or lies inside the
data or the model folder would replace or mix with what the run reads: `score MODEL DATA DATA
--overwrite` would replace the data with its own scores, `score MODEL DATA MODEL/config.json`
the model's config. Paths are compared with links resolved.
"""

from __future__ import annotations

from pathlib import Path

from prefdata._errors import OutputError, PrefdataError
from prefdata._output_target import overlap


def check_apart(out: str | Path, what: str, inputs: dict[str, str | Path]) -> None:
    """Raise `OutputError` when `out` (the `what`) is, holds or lies inside one of `inputs` (name -> path)."""
    problems = {
        "same": "the {what} is the {name} ({path}), which would be replaced",
        "holds": "the {what} holds the {name} ({path}), which would be replaced",
        "inside": "the {what} lies inside the {name} folder ({path})",
    }
    for name, path in inputs.items():
        relation = overlap(out, path)
        if relation is not None:
            problem = problems[relation].format(what=what, name=name, path=path)
            raise OutputError(problem, where=str(out), fix=f"write the {what} outside the {name}")


def check_data_is_not_model(data: str | Path, model: str | Path) -> None:
    """Raise when DATA is the model folder or a file inside it (the arguments were swapped or mistyped)."""
    real_data, real_model = Path(data).resolve(), Path(model).resolve()
    if real_data == real_model or real_model in real_data.parents:
        raise PrefdataError(
            "DATA is the model folder" if real_data == real_model else "DATA lies inside the model folder",
            where=str(data),
            fix="pass the model folder first, then the data: `prefdata-train evaluate MODEL DATA`",
        )
