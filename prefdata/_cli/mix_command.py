"""`prefdata mix`."""

from __future__ import annotations

import click

from prefdata._cli.error_exits import user_errors
from prefdata._cli.paths import home_path, output_path
from prefdata._cli.streams import echo_result
from prefdata.records.mix import MixManifest


@click.command("mix")
@click.argument("recipe", type=click.Path(dir_okay=False), callback=home_path)
@click.argument("out_dir", type=click.Path(file_okay=False), callback=output_path)
@click.option("--overwrite", is_flag=True, help="Replace OUT_DIR if an earlier prefdata run wrote it.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON instead of the summary.")
def mix_cmd(recipe: str, out_dir: str, overwrite: bool, as_json: bool) -> None:
    """Build one dataset in OUT_DIR from the sources of RECIPE (YAML or JSON), deduplicated and
    decontaminated; see schemas/mix-recipe.schema.json."""
    from prefdata._cli.environment import engine_settings
    from prefdata._mix import mix

    with user_errors():
        result = mix(recipe, out_dir, overwrite=overwrite, **engine_settings())
    if as_json:
        echo_result(result.manifest.model_dump_json(indent=2), written=out_dir)
    else:
        echo_result(mix_summary(result.manifest, out_dir), written=out_dir)


def mix_summary(manifest: MixManifest, out_dir: str | None) -> str:
    """Pairs per source and split: in, duplicates, contaminated, left out by `take`, written."""
    lines = [f"output: {manifest.format}, {manifest.prompt} prompt"]
    header = f"{'source':<24}{'split':<12}{'pairs in':>10}{'duplicate':>11}{'contam.':>9}{'not taken':>11}{'taken':>9}"
    lines.append(header)
    for name, source in manifest.sources.items():
        for split, rep in source.splits.items():
            lines.append(
                f"{name[:23]:<24}{split[:11]:<12}{rep.pairs_in:>10,}{rep.dropped.get('duplicate', 0):>11,}"
                f"{rep.dropped.get('contaminated', 0):>9,}{rep.not_taken:>11,}{rep.taken:>9,}"
            )
    for split, total in manifest.splits.items():
        lines.append(f"output split {split}: {total.rows_out:,} pairs")
    if manifest.eval_prompts:
        lines.append(f"decontaminated against {manifest.eval_prompts:,} evaluation prompts")
    lines += [f"note: {note}" for note in manifest.notes]
    if out_dir:
        lines.append(f"wrote {out_dir} (dropped pairs in rejects.jsonl, matches in contamination.jsonl)")
    return "\n".join(lines)
