"""`prefdata mix`: build one training mixture from several preference sources.

>>> import prefdata
>>> result = prefdata.mix("recipe.yaml", "out/mix")     # doctest: +SKIP
>>> result.manifest.sources["hh"].splits["train"].dropped  # doctest: +SKIP
{'duplicate': 12, 'contaminated': 3}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prefdata.records.mix import Decontaminate, MixSource, Recipe

__all__ = ["Decontaminate", "MixSource", "Recipe", "load_recipe", "mix"]


def mix(
    recipe: Recipe | str | Path,
    out_dir: str | Path | None = None,
    *,
    overwrite: bool = False,
    workers: int | None = None,
    batch: bool = True,
) -> Any:
    """Build the mixture a recipe describes; returns a `ConvertResult`, as `prefdata.convert` does.

    `recipe` is a `Recipe` (its relative paths read from the working folder) or a recipe file
    (YAML or JSON; relative paths read from the file's folder). With `out_dir` the dataset is
    written there atomically (`prefdata.json`, `rejects.jsonl`, `contamination.jsonl`); without
    it, nothing is written and `result.dataset` is in memory. `workers` threads scan the pairs
    (default: as many as there are CPUs, at most 4) and convert each raw source as
    `prefdata.convert(..., workers=, batch=)` does; the output depends on neither.
    """
    from prefdata._mix.mixer import run_mix

    settings = {"workers": workers, "batch": batch}  # for converting raw sources
    workers = workers if workers is not None else min(4, os.cpu_count() or 1)
    if isinstance(recipe, Recipe):
        return run_mix(recipe, Path.cwd(), out_dir, overwrite, workers, settings)
    path = Path(recipe).absolute()  # the manifest must not depend on the working folder
    return run_mix(load_recipe(path), path.parent, out_dir, overwrite, workers, settings)


def load_recipe(path: str | Path) -> Recipe:
    """Read and check a recipe file (YAML or JSON; unknown and duplicate keys refused)."""
    from pydantic import ValidationError

    from prefdata._errors import SpecError
    from prefdata._layouts import read_data_file

    data = read_data_file(Path(path), what="recipe")
    if data is None:
        raise SpecError("the recipe is empty", where=str(path), fix="a recipe needs at least `sources:`")
    try:  # strict: `ngram: true` or `seed: "7"` are mistakes, not numbers
        return Recipe.model_validate(data, strict=True)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'recipe'}: {err['msg']}" for err in exc.errors()
        )
        raise SpecError(
            f"invalid recipe: {problems}", where=str(path), fix="see schemas/mix-recipe.schema.json"
        ) from None
