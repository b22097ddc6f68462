"""The evaluation report as one self-contained HTML page: `DIR/index.html`.

Plots are PNG images embedded as `data:` URIs and the styles are inline: the page loads
nothing from anywhere, needs no JavaScript, and can be mailed or archived as one file. Every
text that comes from the data (subset, group, domain and column names, paths, drop reasons)
is escaped. A section without data is left out rather than shown empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

from prefdata._errors import OutputError
from prefdata._plain_files import starts_with, write_text_atomic
from prefdata_train._evaluation.report_model import (
    EvaluationReport,
    GroupAccuracy,
    Interval,
    Score,
    StyleMatrix,
)

INDEX_FILE = "index.html"
# How every page begins: an existing index.html that does not is someone else's, never replaced.
PAGE_HEAD = (
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Reward model evaluation</title>"
)
DPI = 100  # of the embedded plots; tests pass less to stay fast
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}"
    "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ccc;border-radius:6px;"
    "padding:.6em 1em;min-width:12em}.card .value{font-size:1.8em;font-weight:600}.card .sub{color:#555}"
    ".flag{background:#fff3e0;border-left:6px solid #e65100;padding:.8em 1em;margin:1em 0;font-weight:600}"
    "figure{margin:1em 0}img{max-width:100%}.note{color:#555}"
)


def _e(value: Any) -> str:
    """Escaped text of a value from the data (quotes too: it may land in an attribute)."""
    return escape(str(value), quote=True)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _ci(interval: Interval | None) -> str:
    return "" if interval is None else f"{interval.low:.3f} – {interval.high:.3f}"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], css: str) -> str:
    """A table whose cells are HTML already (escaped by the caller); numbers right-aligned."""
    header = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td{_cell_class(c)}>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table class='{css}'><tr>{header}</tr>{body}</table>"


def _cell_class(cell: str) -> str:
    return " class='num'" if cell[:1].isdigit() or cell[:1] in "-–" else ""


def _figure(uri: str, caption: str) -> str:
    return f"<figure><img src='{uri}' alt='{caption}'><figcaption>{caption}</figcaption></figure>"


def _section(title: str, css: str, *parts: str) -> str:
    return f"<section class='{css}'><h2>{title}</h2>{''.join(parts)}</section>"


def _header(report: EvaluationReport, model: str | None, now: datetime) -> str:
    cells = [
        ("model", model),
        ("data", report.data),
        ("shape", report.shape),
        ("benchmark", report.benchmark),
        ("split", report.split),
        ("items", report.n_items or None),
        ("pairs compared", report.n_pairs),
        ("written", now.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    rows = "".join(
        f"<tr><th>{k}</th><td id='meta-{k.split()[0]}'>{_e(v)}</td></tr>" for k, v in cells if v is not None
    )
    return f"<h1>Reward model evaluation</h1><table class='meta'>{rows}</table>"


def _card(title: str, value: str, sub: str, css: str) -> str:
    return (
        f"<div class='card' id='{css}'><div>{title}</div><div class='value'>{value}</div>"
        f"<div class='sub'>{sub}</div></div>"
    )


def _headline(report: EvaluationReport) -> str:
    cards = []
    if report.benchmark_score is not None:
        b = report.benchmark_score
        cards.append(
            _card(f"{_e(b.benchmark)} score", _num(b.score), f"95% CI {_ci(b.score_ci)}", "card-benchmark")
        )
    cards.append(
        _card(
            "pairwise accuracy", _num(report.accuracy), f"95% CI {_ci(report.accuracy_ci)}", "card-accuracy"
        )
    )
    cards.append(
        _card(
            "mean reward gap",
            _num(report.mean_gap),
            f"chosen {_num(report.mean_chosen)}, rejected {_num(report.mean_rejected)}",
            "card-gap",
        )
    )
    if report.calibration is not None:
        cards.append(_card("calibration error", _num(report.calibration.ece), "ECE, 10 bins", "card-ece"))
    parts = [f"<div class='cards'>{''.join(cards)}</div>"]
    if report.benchmark_score is not None:
        b = report.benchmark_score
        parts.append(f"<p class='note'>{_e(b.formula)}; interval: {_e(b.ci_method)}.</p>")
    return "".join(parts)


def _length_flag(report: EvaluationReport, where: str) -> str:
    bias = report.length_bias
    if bias is None or not bias.flagged:
        return ""
    return (
        f"<div class='flag' id='length-flag-{where}'>Length bias: accuracy is {_num(bias.chosen_longer.accuracy)} "
        f"when the chosen completion is longer and {_num(bias.chosen_shorter.accuracy)} when it is shorter "
        f"(gap {_num(bias.gap)}, above the {bias.threshold:g} threshold). The model may reward length "
        "rather than quality.</div>"
    )


def _group_rows(groups: dict[str, GroupAccuracy]) -> list[list[str]]:
    return [[_e(k), str(g.n), _num(g.accuracy), _ci(g.accuracy_ci)] for k, g in groups.items()]


def _group_bars(groups: dict[str, GroupAccuracy], title: str, dpi: int, reference: float | None) -> str:
    from prefdata_train._evaluation.report_plots import MAX_BARS, Bar, accuracy_bars

    bars = [Bar(k, g.accuracy, g.accuracy_ci.low, g.accuracy_ci.high) for k, g in groups.items() if g.n]
    if not bars:
        return ""
    shown = "" if len(bars) <= MAX_BARS else f" (the first {MAX_BARS} of {len(bars)}; the table lists all)"
    return _figure(accuracy_bars(bars, title=title, reference=reference, dpi=dpi), _e(title) + shown)


def _accuracy_section(groups: dict[str, GroupAccuracy], title: str, css: str, dpi: int) -> str:
    if not groups:
        return ""
    table = _table(["group", "pairs", "accuracy", "95% CI"], _group_rows(groups), css)
    return _section(_e(title), css, _group_bars(groups, title, dpi, reference=0.5), table)


def _sections_table(report: EvaluationReport) -> str:
    if not report.sections:
        return ""
    rows = [
        [_e(name), _num(s.score), _ci(s.score_ci), str(s.n), str(s.weight), _e(", ".join(s.subsets))]
        for name, s in report.sections.items()
    ]
    head = ["section", "score", "95% CI", "items", "weight", "subsets"]
    return _section("Sections", "sections", _table(head, rows, "sections"))


def _score_row(name: str, score: Score) -> list[str]:
    return [_e(name), str(score.n), _num(score.score), _ci(score.score_ci)]


def _best_of_n(report: EvaluationReport, dpi: int) -> str:
    if not report.best_of_n and report.ties is None:
        return ""
    from prefdata_train._evaluation.report_plots import Bar, accuracy_bars

    scores: dict[str, Score] = dict(report.best_of_n)
    if report.ties is not None:
        scores["Ties"] = report.ties
    rows = [_score_row(name, s) for name, s in scores.items()]
    bars = [Bar(name, s.score, s.score_ci.low, s.score_ci.high) for name, s in scores.items()]
    figure = _figure(
        accuracy_bars(bars, title="best-of-N score per subset", dpi=dpi), "best-of-N score per subset"
    )
    parts = [figure, _table(["subset", "items", "score", "95% CI"], rows, "best-of-n")]
    if report.ties is not None:
        t = report.ties
        parts.append(
            f"<p class='note'>Ties: reference accuracy {_num(t.ref_accuracy)}, tied accuracy "
            f"{_num(t.tied_accuracy)}, correctness preferred {_num(t.correctness_preferred)} "
            f"(hard {_num(t.correctness_preferred_hard)}), margin score {_num(t.correctness_margin_score)}.</p>"
        )
    return _section("Best-of-N", "best-of-n", *parts)


def _matrix_table(name: str, m: StyleMatrix) -> str:
    k = len(m.matrix)
    head = ["chosen \\ rejected"] + [f"style {j + 1}" for j in range(k)]
    rows = "".join(
        f"<tr><th>style {i + 1}</th>"
        + "".join(f"<td class='num' style='background:hsl({120 * v:.0f},60%,82%)'>{v:.3f}</td>" for v in row)
        + "</tr>"
        for i, row in enumerate(m.matrix)
    )
    summary = ", ".join(
        f"{label} {_num(s.score)} ({_ci(s.score_ci)})"
        for label, s in (("hard", m.hard), ("normal", m.normal), ("easy", m.easy), ("score", m.score))
    )
    header = "".join(f"<th>{h}</th>" for h in head)
    return (
        f"<h3>{_e(name)} ({m.n} items)</h3><table class='style-matrix'><tr>{header}</tr>{rows}</table>"
        f"<p>{summary}</p>"
    )


def _style_matrix(report: EvaluationReport) -> str:
    scores = report.style_matrix
    if scores is None:
        return ""
    note = (
        "<p class='note'>Cell (i, j): share of items whose chosen completion in style i scores above "
        "the rejected one in style j; styles from plainest to fanciest. Hard: above the diagonal.</p>"
    )
    tables = [_matrix_table("overall", scores.overall)]
    tables += [_matrix_table(domain, m) for domain, m in scores.domains.items()]
    return _section("Style matrix", "style-matrix", note, *tables)


def _length_bias(report: EvaluationReport, dpi: int) -> str:
    bias = report.length_bias
    if bias is None:
        return ""
    groups = {
        "chosen longer": bias.chosen_longer,
        "same length": bias.same_length,
        "chosen shorter": bias.chosen_shorter,
    }
    table = _table(["chosen is", "pairs", "accuracy", "95% CI"], _group_rows(groups), "length-bias")
    note = (
        f"<p>Gap (longer - shorter) {_num(bias.gap)}; flagged above {bias.threshold:g} when both groups "
        f"have at least {bias.min_group} pairs. Correlation of reward with length: Pearson "
        f"{_num(bias.pearson)}, Spearman {_num(bias.spearman)}.</p>"
    )
    figure = _group_bars(groups, "accuracy by which completion is longer", dpi, reference=report.accuracy)
    return _section("Length bias", "length-bias", _length_flag(report, "section"), figure, table, note)


def _calibration(report: EvaluationReport, dpi: int) -> str:
    cal = report.calibration
    if cal is None or cal.n_pairs == 0:
        return ""
    from prefdata_train._evaluation.report_plots import reliability_diagram

    note = (
        f"<p>p = sigmoid(chosen reward - rejected reward) read as P(chosen preferred), over "
        f"{cal.n_pairs} pairs. Expected calibration error {_num(cal.ece)}.</p>"
    )
    figure = _figure(reliability_diagram(cal.bins, cal.ece, dpi=dpi), "reliability diagram")
    return _section("Calibration", "calibration", note, figure)


def _rewards(report: EvaluationReport, dpi: int) -> str:
    from prefdata_train._evaluation.report_plots import finite, reward_histograms

    chosen, rejected, gaps = _reward_series(report)
    parts = []
    if chosen or rejected:
        all_values = chosen + rejected
        dropped = len(all_values) - finite(all_values).size
        caption = "chosen vs rejected rewards, and the gap of each pair"
        if dropped:
            caption += f" ({dropped} non-finite rewards not drawn)"
        parts.append(_figure(reward_histograms(chosen, rejected, gaps, dpi=dpi), caption))
    if report.reward_stats:
        head = ["completions", "n", "mean", "std", "min", "p05", "median", "p95", "max"]
        rows = [
            [_e(k), str(s.n)] + [_num(v) for v in (s.mean, s.std, s.min, s.p05, s.median, s.p95, s.max)]
            for k, s in report.reward_stats.items()
        ]
        parts.append(_table(head, rows, "reward-stats"))
    return _section("Rewards", "rewards", *parts) if parts else ""


def _reward_series(report: EvaluationReport) -> tuple[list[float], list[float], list[float]]:
    """Chosen and rejected rewards, and every pair's gap, from per-completion rewards if kept."""
    if report.rewards and len(report.n_chosen) == len(report.rewards):
        chosen, rejected, gaps = [], [], []
        for rewards, k in zip(report.rewards, report.n_chosen, strict=True):
            chosen += rewards[:k]
            rejected += rewards[k:]
            gaps += [c - r for c in rewards[:k] for r in rewards[k:]]
        return chosen, rejected, gaps
    pairs = zip(report.chosen_rewards, report.rejected_rewards, strict=False)
    return list(report.chosen_rewards), list(report.rejected_rewards), [c - r for c, r in pairs]


def _dropped(report: EvaluationReport) -> str:
    cut = (
        f"<p>{report.truncated} items were cut to {report.max_length} tokens (--max-length) and "
        "evaluated on the tokens kept.</p>"
        if report.truncated
        else ""
    )
    if not report.dropped:
        return _section("Rows cut", "truncated", cut) if cut else ""
    rows = [[_e(reason), str(n)] for reason, n in report.dropped.items()]
    total = sum(report.dropped.values())
    return _section(
        "Rows not evaluated",
        "dropped",
        f"<p>{total} rows of the data were not evaluated:</p>",
        _table(["reason", "rows"], rows, "dropped"),
        cut,
    )


def render_html_report(
    report: EvaluationReport, *, model: str | None = None, dpi: int = DPI, now: datetime | None = None
) -> str:
    """The whole page as a string (`model` is shown in the header when given)."""
    last = len(report.by_margin) - 1
    margin = {  # buckets are [low, high), the last one closed
        f"[{b.low:.3g}, {b.high:.3g}{']' if i == last else ')'}": GroupAccuracy(
            n=b.n, accuracy=b.accuracy, accuracy_ci=b.accuracy_ci
        )
        for i, b in enumerate(report.by_margin)
    }
    body = [
        _header(report, model, now or datetime.now(timezone.utc)),
        _headline(report),
        _length_flag(report, "top"),
        _sections_table(report),
        _accuracy_section(report.subsets, "accuracy by subset", "subsets", dpi),
        _accuracy_section(report.by_group, f"accuracy by {report.by or 'group'}", "by-group", dpi),
        _accuracy_section(margin, "accuracy by margin (quantile buckets)", "by-margin", dpi),
        _best_of_n(report, dpi),
        _style_matrix(report),
        _length_bias(report, dpi),
        _calibration(report, dpi),
        _rewards(report, dpi),
        _dropped(report),
    ]
    return PAGE_HEAD + f"<style>{_STYLE}</style></head><body>{''.join(p for p in body if p)}</body></html>"


def _report_folder(out_dir: str | Path) -> Path:
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(
            f"the report folder {out} exists and is not a folder",
            fix="pass a folder to --report (the page is written there as index.html)",
        )
    if (out / INDEX_FILE).is_dir():
        raise OutputError(
            f"{out / INDEX_FILE} is a folder", fix="remove it or choose another --report folder"
        )
    return out


def check_report_page(out_dir: str | Path) -> None:
    """Refuse a report folder whose `index.html` is not an earlier report (`evaluate --report` replaces only that)."""
    page = _report_folder(out_dir) / INDEX_FILE
    if page.exists() and not starts_with(page, PAGE_HEAD.encode("utf-8")):
        raise OutputError(
            f"{page} exists and is not a page written by `prefdata-train evaluate`; "
            "only an earlier report is replaced",
            fix="choose another --report folder, or remove that file yourself if it may go",
        )


def _write_page(path: Path, text: str) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot write the report into {path.parent}: {error.strerror}") from error
    return write_text_atomic(path, text, "report page")


def write_html_report(
    report: EvaluationReport, out_dir: str | Path, *, model: str | Path | None = None, dpi: int = DPI
) -> Path:
    """Write the report as `out_dir/index.html`, one self-contained page; return its path.

    The folder is created if missing; the page is drawn in full before anything is written, and
    replaces an older `index.html` atomically. Raises `OutputError` when `out_dir` is a file.
    """
    out = _report_folder(out_dir)  # before drawing: a wrong path fails fast
    page = render_html_report(report, model=None if model is None else str(model), dpi=dpi)
    return _write_page(out / INDEX_FILE, page)
