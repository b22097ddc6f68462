"""The evaluation report as text for a terminal: headline first, then each view that has data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from prefdata_train._evaluation.report_model import EvaluationReport, GroupAccuracy, Interval, Score


def _ci(interval: Interval | None) -> str:
    return "" if interval is None else f"  [{interval.low:.3f}, {interval.high:.3f}]"


def _table(title: str, rows: dict[str, GroupAccuracy]) -> None:
    width = max(len(title), *(len(k) for k in rows))
    click.echo(f"\n{title:<{width}}  {'n':>7}  accuracy  95% interval")
    for key, group in rows.items():
        click.echo(f"{key:<{width}}  {group.n:>7}  {group.accuracy:.4f}  {_ci(group.accuracy_ci).strip()}")


def _scores(title: str, rows: dict[str, Score]) -> None:
    width = max(len(title), *(len(k) for k in rows))
    click.echo(f"\n{title:<{width}}  {'n':>7}  score   95% interval")
    for key, score in rows.items():
        click.echo(f"{key:<{width}}  {score.n:>7}  {score.score:.4f}  {_ci(score.score_ci).strip()}")


def print_report(report: EvaluationReport) -> None:
    """Print `report` for a person; `--json` prints the model itself."""
    kind = report.shape + (f" ({report.benchmark})" if report.benchmark else "")
    click.echo(f"data       {report.data or report.split}")
    click.echo(f"shape      {kind}")
    if report.shape in ("pairs", "subset-pairs"):
        click.echo(f"pairs      {report.n_pairs}")
    else:
        click.echo(f"items      {report.n_items}  (pairs {report.n_pairs}: every chosen with every rejected)")
    if report.dropped:
        click.echo("dropped    " + ", ".join(f"{n} {reason}" for reason, n in report.dropped.items()))
    if report.truncated:
        click.echo(f"truncated  {report.truncated} items cut to --max-length {report.max_length} tokens")
    if report.benchmark_score:
        score = report.benchmark_score
        click.echo(f"score      {score.score:.4f}{_ci(score.score_ci)}  {score.benchmark}: {score.formula}")
    click.echo(f"accuracy   {report.accuracy:.4f}{_ci(report.accuracy_ci)}")
    click.echo(
        f"mean gap   {report.mean_gap:+.4f}  "
        f"(chosen {report.mean_chosen:+.4f}, rejected {report.mean_rejected:+.4f})"
    )
    if report.sections:
        _scores("section", dict(report.sections))
    if report.best_of_n or report.ties:
        # Ties is scored by its composite, not best-of-N credit, but counts in the overall mean alike.
        _scores("subset", {**report.best_of_n, **({"Ties": report.ties} if report.ties else {})})
    elif report.subsets:
        _table("subset", report.subsets)
    if report.style_matrix:
        overall = report.style_matrix.overall
        click.echo("\nstyle matrix (rows: chosen style, columns: rejected style)")
        for row in overall.matrix:
            click.echo("  " + "  ".join(f"{cell:.3f}" for cell in row))
        click.echo(
            f"hard {overall.hard.score:.4f}  normal {overall.normal.score:.4f}  easy {overall.easy.score:.4f}"
        )
    if report.by_group:
        _table(report.by or "group", report.by_group)
    if report.by_margin:
        click.echo(f"\n{'margin':<23}  {'n':>7}  accuracy")
        for bucket in report.by_margin:
            label = f"[{bucket.low:.3g}, {bucket.high:.3g}]"
            click.echo(f"{label:<23}  {bucket.n:>7}  {bucket.accuracy:.4f}")
    bias = report.length_bias
    if bias:
        click.echo(
            f"\nlength     chosen longer {bias.chosen_longer.accuracy:.4f} (n={bias.chosen_longer.n}), "
            f"shorter {bias.chosen_shorter.accuracy:.4f} (n={bias.chosen_shorter.n}); "
            f"reward-length spearman {'-' if bias.spearman is None else f'{bias.spearman:+.3f}'}"
        )
        if bias.flagged:
            click.echo(
                f"warning    accuracy depends on length: gap {bias.gap:+.3f} exceeds {bias.threshold}",
                err=True,
            )
    if report.calibration:
        click.echo(f"calibration  ECE {report.calibration.ece:.4f} over {report.calibration.n_pairs} pairs")
    for label, path in (("plot", report.plot), ("report", report.report)):
        if path:
            click.echo(f"{label}: {path}")
