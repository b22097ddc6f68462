"""The HTML evaluation report: one self-contained page that shows every section with data.

Reports are built directly from the pydantic model with known numbers; the page is parsed
with `html.parser` and checked for those numbers, names, embedded images, and for what must
not be there (external URLs, live markup from the data, empty sections).
"""

from __future__ import annotations

import base64
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from prefdata._errors import OutputError
from prefdata_train._evaluation import html_report
from prefdata_train._evaluation.html_report import INDEX_FILE, write_html_report
from prefdata_train._evaluation.report_model import (
    BenchmarkScore,
    Calibration,
    CalibrationBin,
    EvaluationReport,
    GroupAccuracy,
    Interval,
    LengthBias,
    MarginBucket,
    RewardStats,
    Score,
    SectionScore,
    StyleMatrix,
    StyleScores,
    TiesScore,
)

DPI = 20  # small plots keep the tests fast
HOSTILE = "<script>alert(1)</script>"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Page(HTMLParser):
    """What a test needs from a page: tags, attributes, section classes, ids and visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []  # every src and href
        self.sections: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.links += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "img":
            self.images.append(a["src"])
        if tag == "section":
            self.sections.append(a["class"])
        if "id" in a:
            self.ids.add(a["id"])

    def handle_data(self, data):
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(self.text)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _group(n: int, accuracy: float, low: float, high: float) -> GroupAccuracy:
    return GroupAccuracy(n=n, accuracy=accuracy, accuracy_ci=Interval(low=low, high=high))


def _score(n: int, score: float, low: float, high: float) -> Score:
    return Score(n=n, score=score, score_ci=Interval(low=low, high=high))


def _pairs_report(**fields) -> EvaluationReport:
    """Four pairs, three right: accuracy 0.75 (Wilson 95%: 0.301 - 0.954)."""
    base = dict(
        shape="pairs",
        data="out/arena",
        split="test",
        n_items=4,
        n_pairs=4,
        accuracy=0.75,
        accuracy_ci=Interval(low=0.301, high=0.954),
        mean_gap=1.25,
        mean_chosen=1.625,
        mean_rejected=0.375,
    )
    return EvaluationReport(**{**base, **fields})


def _rewardbench_report() -> EvaluationReport:
    """A RewardBench report with every pairwise section filled, a hostile subset name among them."""
    rewards = [[2.0, 1.0], [0.5, 1.5], [3.0, -1.0], [1.0, 0.0]]
    return _pairs_report(
        shape="subset-pairs",
        benchmark="rewardbench",
        by="source",
        by_group={"arena": _group(3, 0.667, 0.208, 0.939), HOSTILE: _group(1, 1.0, 0.207, 1.0)},
        by_margin=[
            MarginBucket(low=0.0, high=0.5, n=2, accuracy=0.5, accuracy_ci=Interval(low=0.095, high=0.905)),
            MarginBucket(low=0.5, high=2.0, n=2, accuracy=1.0, accuracy_ci=Interval(low=0.342, high=1.0)),
        ],
        subsets={"alpacaeval-easy": _group(2, 0.5, 0.095, 0.905), HOSTILE: _group(2, 1.0, 0.342, 1.0)},
        sections={
            "Chat": SectionScore(
                n=2, score=0.5, score_ci=Interval(low=0.0, high=1.0), weight=100, subsets=["alpacaeval-easy"]
            )
        },
        benchmark_score=BenchmarkScore(
            benchmark="rewardbench",
            score=0.6125,
            score_ci=Interval(low=0.4, high=0.8),
            formula="mean of the 4 section scores",
            ci_method="percentile bootstrap",
        ),
        length_bias=LengthBias(
            chosen_longer=_group(3, 1.0, 0.439, 1.0),
            chosen_shorter=_group(1, 0.0, 0.0, 0.793),
            same_length=_group(0, 0.0, 0.0, 1.0),
            gap=1.0,
            pearson=0.41,
            spearman=0.38,
            threshold=0.1,
            min_group=1,
            flagged=True,
        ),
        calibration=Calibration(
            n_pairs=4,
            ece=0.1234,
            bins=[
                CalibrationBin(low=0.2, high=0.3, n=1, mean_p=0.269, frequency=0.0),
                CalibrationBin(low=0.3, high=0.4, n=0, mean_p=None, frequency=None),
                CalibrationBin(low=0.7, high=0.8, n=2, mean_p=0.731, frequency=1.0),
                CalibrationBin(low=0.9, high=1.0, n=1, mean_p=0.982, frequency=1.0),
            ],
        ),
        reward_stats={
            "chosen": RewardStats(
                n=4, mean=1.625, std=0.96, min=0.5, p05=0.575, median=1.5, p95=2.85, max=3.0
            )
        },
        dropped={"empty_completion": 7, HOSTILE: 2},
        rewards=rewards,
        n_chosen=[1, 1, 1, 1],
    )


@pytest.fixture(scope="module")
def full_page(tmp_path_factory) -> Path:
    """The full report, drawn once for the tests that read it (drawing is the slow part)."""
    out = tmp_path_factory.mktemp("full") / "rep"
    path = write_html_report(_rewardbench_report(), out, model="runs/rm", dpi=DPI)
    assert path == out / INDEX_FILE
    return path


def test_a_full_report_shows_every_section_with_its_numbers(full_page):
    page = _parse(full_page)
    assert page.sections == [
        "sections",
        "subsets",
        "by-group",
        "by-margin",
        "length-bias",
        "calibration",
        "rewards",
        "dropped",
    ]
    text = page.all_text
    for expected in (
        "runs/rm",  # header: model, data, shape, benchmark, split, items
        "out/arena",
        "subset-pairs",
        "rewardbench",
        "test",
        "0.750",  # accuracy with its interval
        "0.301 – 0.954",
        "0.613",  # benchmark score (0.6125 to 3 decimals)
        "0.400 – 0.800",
        "alpacaeval-easy",
        "0.095 – 0.905",
        "0.123",  # ECE
        "[0, 0.5)",  # margin buckets, the last closed
        "[0.5, 2]",
        "empty_completion",
        "7",
    ):
        assert expected in text, expected
    assert "Length bias: accuracy is 1.000 when the chosen completion is longer and 0.000" in text
    assert {"length-flag-top", "length-flag-section", "meta-model", "card-benchmark", "card-ece"} <= page.ids


def test_plots_are_embedded_png_and_nothing_is_loaded_from_elsewhere(full_page):
    page = _parse(full_page)
    # subsets, by-group, by-margin, length bias, reliability, rewards
    assert len(page.images) == 6
    for src in page.images:
        head, payload = src.split(",", 1)
        assert head == "data:image/png;base64"
        assert base64.b64decode(payload).startswith(PNG_MAGIC)
    assert all(link.startswith("data:") for link in page.links)
    raw = full_page.read_text(encoding="utf-8")
    assert "http://" not in raw and "https://" not in raw and "url(" not in raw
    assert "script" not in page.tags and "link" not in page.tags


def test_names_from_the_data_are_escaped(full_page):
    page = _parse(full_page)
    assert "script" not in page.tags  # the subset, group and drop-reason names stay text
    assert page.text.count(HOSTILE) == 3  # the subsets, by-group and dropped tables
    raw = full_page.read_text(encoding="utf-8")
    assert HOSTILE not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


def test_a_name_matplotlib_would_read_as_a_formula_is_drawn_as_text(tmp_path):
    # `$x^$` is a malformed formula: drawn with mathtext on, savefig raises ValueError.
    report = _pairs_report(by="domain", by_group={"$x^$": _group(4, 0.75, 0.301, 0.954)})
    page = _parse(write_html_report(report, tmp_path, dpi=DPI))
    assert "$x^$" in page.text and len(page.images) == 1


def test_sections_without_data_are_left_out(tmp_path):
    page = _parse(write_html_report(_pairs_report(), tmp_path, dpi=DPI))
    assert page.sections == [] and page.images == []
    assert not {"length-flag-top", "card-benchmark", "card-ece", "meta-model", "meta-benchmark"} & page.ids
    assert "0.750" in page.all_text and "0.301 – 0.954" in page.all_text


def test_an_unflagged_length_bias_shows_no_warning(tmp_path):
    bias = _rewardbench_report().length_bias
    assert bias is not None
    report = _pairs_report(length_bias=bias.model_copy(update={"flagged": False}))
    page = _parse(write_html_report(report, tmp_path, dpi=DPI))
    assert page.sections == ["length-bias"]
    assert not {"length-flag-top", "length-flag-section"} & page.ids


def test_best_of_n_subsets_and_ties(tmp_path):
    report = _pairs_report(
        shape="best-of-n",
        benchmark="rewardbench-2",
        best_of_n={"Factuality": _score(5, 0.4, 0.1, 0.7), "Math": _score(3, 0.25, 0.0, 0.6)},
        ties=TiesScore(
            n=2,
            score=0.55,
            score_ci=Interval(low=0.2, high=0.9),
            ref_accuracy=1.0,
            tied_accuracy=0.5,
            correctness_preferred=0.75,
            correctness_preferred_hard=0.5,
            correctness_margin_score=0.125,
        ),
    )
    page = _parse(write_html_report(report, tmp_path, dpi=DPI))
    assert page.sections == ["best-of-n"] and len(page.images) == 1
    for expected in ("Factuality", "Math", "Ties", "0.400", "0.100 – 0.700", "0.550", "margin score 0.125"):
        assert expected in page.all_text, expected


def _matrix(n: int, cells: list[list[float]], value: float) -> StyleMatrix:
    return StyleMatrix(
        n=n,
        matrix=cells,
        hard=_score(n, 0.1, 0.0, 0.3),
        normal=_score(n, 0.5, 0.2, 0.8),
        easy=_score(n, 0.9, 0.7, 1.0),
        score=_score(n, value, value - 0.1, value + 0.1),
    )


def test_the_style_matrix_is_a_coloured_table_per_domain(tmp_path):
    cells = [[0.5, 0.25, 0.0], [0.75, 0.5, 0.0625], [1.0, 0.875, 0.5]]
    report = _pairs_report(
        shape="style-lists",
        benchmark="rm-bench",
        style_matrix=StyleScores(domains={HOSTILE: _matrix(2, cells, 0.5)}, overall=_matrix(2, cells, 0.5)),
    )
    path = write_html_report(report, tmp_path, dpi=DPI)
    page = _parse(path)
    assert page.sections == ["style-matrix"] and "script" not in page.tags
    assert f"{HOSTILE} (2 items)" in page.text
    assert "0.062" in page.text and "0.875" in page.text and "hard 0.100" in page.all_text
    raw = path.read_text(encoding="utf-8")
    assert "background:hsl(0,60%,82%)" in raw and "background:hsl(120,60%,82%)" in raw  # 0 red, 1 green


def test_non_finite_rewards_are_counted_not_drawn(tmp_path):
    report = _pairs_report(rewards=[[float("nan"), 1.0], [2.0, float("inf")]], n_chosen=[1, 1])
    page = _parse(write_html_report(report, tmp_path, dpi=DPI))
    assert page.sections == ["rewards"] and len(page.images) == 1
    assert "2 non-finite rewards not drawn" in page.all_text


def test_an_out_dir_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "report"
    target.write_text("keep me")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        write_html_report(_pairs_report(), target, dpi=DPI)
    assert target.read_text() == "keep me"


def test_the_page_replaces_the_old_one_atomically(tmp_path, monkeypatch):
    (tmp_path / INDEX_FILE).write_text("old page")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError, match="No space left on device"):
        write_html_report(_pairs_report(), tmp_path, dpi=DPI)
    assert sorted(p.name for p in tmp_path.iterdir()) == [INDEX_FILE]  # no temporary file left
    assert (tmp_path / INDEX_FILE).read_text() == "old page"
    monkeypatch.undo()

    path = write_html_report(_pairs_report(), tmp_path, dpi=DPI)
    assert sorted(p.name for p in tmp_path.iterdir()) == [INDEX_FILE]
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_page_that_fails_to_draw_writes_nothing(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(html_report, "render_html_report", fail)
    with pytest.raises(RuntimeError):
        write_html_report(_pairs_report(), tmp_path / "new", dpi=DPI)
    assert not (tmp_path / "new").exists()
