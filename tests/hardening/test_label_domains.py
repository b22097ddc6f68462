"""Preference labels outside the domain a layout publishes are dropped (counted), or stop the run.

| layout                   | domain (spec YAML)         | out of domain here                       |
| ------------------------ | -------------------------- | ---------------------------------------- |
| helpsteer3-preference    | integer -3..3              | 7, -100, 2.5, "2", true, inf             |
| helpsteer2-preference    | integer -3..3              | 4                                        |
| nectar                   | integer 1..number of answers | -1, 0, 1e30, 1.5, "2"                  |
| shp                      | integer 0..1               | "1", 2, 0.5                              |
| pku-saferlhf             | integer 0..1               | 2, "0"                                   |
| summarize-from-feedback  | integer 0..1               | 2, -1                                    |
| ultrafeedback-binarized  | chosen's score >= rejected's | 2 vs 8                                 |

Exactly integral floats count as integers everywhere (1.0 is 1); null, NaN and "N/A" are a
missing preference, as before.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import prefdata
from prefdata import ConvertOptions
from prefdata._cli import main
from prefdata._errors import RowError


def _jsonl(tmp_path: Path, rows: list[dict[str, Any]], name: str = "data.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _reasons(result: Any) -> dict[int, str]:
    return {r.source_row: r.reason for r in result.rejects}


def _helpsteer3(value: Any) -> dict[str, Any]:
    return {
        "context": [{"role": "user", "content": "Capital of France?"}],
        "response1": "Paris.",
        "response2": "Lyon.",
        "overall_preference": value,
    }


def _nectar(ranks: list[Any]) -> dict[str, Any]:
    answers = [{"answer": f"answer {i}", "rank": r} for i, r in enumerate(ranks)]
    return {"prompt": "\n\nHuman: Name a prime.\n\nAssistant:", "answers": answers}


def _shp(label: Any) -> dict[str, Any]:
    return {
        "post_id": "p",
        "history": "Which is better?",
        "human_ref_A": "A says this.",
        "human_ref_B": "B says that.",
        "labels": label,
        "score_ratio": 2.0,
    }


def _pku(better: Any) -> dict[str, Any]:
    return {
        "prompt": "Is it safe?",
        "response_0": "Yes, with care.",
        "response_1": "No.",
        "better_response_id": better,
        "safer_response_id": 0,
    }


def _summarize(choice: Any) -> dict[str, Any]:
    return {
        "info": {"post": "A long post.", "title": "Title", "subreddit": "sub"},
        "summaries": [{"text": " first summary"}, {"text": " second summary"}],
        "choice": choice,
    }


CASES = [
    # (layout, row builder, values in domain, values out of domain)
    ("helpsteer3-preference", _helpsteer3, [-3, 2, 3.0], [7, -100, 2.5, "2", True, math.inf]),
    ("helpsteer2-preference", None, [], []),  # built below: its own columns
    (
        "nectar",
        _nectar,
        [[1, 2, 3], [1.0, 3.0, 2.0]],
        [[-1, 1, 2], [0, 1, 2], [1, 2, 1e30], [1.5, 1, 2], ["2", 1, 3]],
    ),
    ("shp", _shp, [1, 0, 1.0], ["1", 2, 0.5]),
    ("pku-saferlhf", _pku, [0, 1, 1.0], [2, "0", -1]),
    ("summarize-from-feedback", _summarize, [0, 1.0], [2, -1, 0.5]),
]


def _helpsteer2(value: Any) -> dict[str, Any]:
    return {"prompt": "Hi", "response_1": "Hello!", "response_2": "Go away.", "preference_strength": value}


CASES[1] = ("helpsteer2-preference", _helpsteer2, [-3, 1, 2.0], [4, -3.5, "-1"])


@pytest.mark.parametrize(("layout", "build", "good", "bad"), CASES, ids=[c[0] for c in CASES])
def test_out_of_domain_dropped_and_counted(tmp_path, layout, build, good, bad) -> None:
    path = _jsonl(tmp_path, [build(v) for v in [*good, *bad]])
    result = prefdata.convert(path, spec=layout)
    bad_rows = range(len(good), len(good) + len(bad))
    assert _reasons(result) == dict.fromkeys(bad_rows, "label_out_of_domain")
    assert result.manifest.splits["train"].dropped == {"label_out_of_domain": len(bad)}
    assert sorted(result.dataset["train"]["source_row"]) == list(range(len(good)))
    for reject, value in zip(result.rejects, bad, strict=True):
        shown = next(v for v in value if v not in (1, 2, 3)) if isinstance(value, list) else value
        assert f"is {shown!r}"[:12] in reject.detail and "the layout publishes an integer in" in reject.detail


def test_helpsteer3_values_and_margins_in_domain(tmp_path) -> None:
    path = _jsonl(tmp_path, [_helpsteer3(v) for v in (-3, 2.0, 1)])
    rows = prefdata.convert(path, spec="helpsteer3-preference", options=ConvertOptions(margin=True))
    train = rows.dataset["train"]
    assert train["margin"] == [3.0, 2.0, 1.0]  # never the 100 an out-of-domain -100 would give
    assert [r[0]["content"] for r in train["chosen"]] == ["Paris.", "Lyon.", "Lyon."]


def test_missing_values_stay_missing_preference(tmp_path) -> None:
    path = _jsonl(tmp_path, [_helpsteer3(v) for v in (None, "N/A", 1)])
    result = prefdata.convert(path, spec="helpsteer3-preference")
    assert _reasons(result) == {0: "missing_preference", 1: "missing_preference"}


def test_integral_floats_read_like_integers_for_index_labels(tmp_path) -> None:
    """SHP `labels` 1.0 (a float column) means A, as 1 does; "1" (text) is out of domain."""
    path = _jsonl(tmp_path, [_shp(1.0), _shp(1), _shp(0.0), _shp("1")])
    result = prefdata.convert(path, spec="shp")
    chosen = {r["source_row"]: r["chosen"][0]["content"] for r in result.dataset["train"]}
    assert chosen == {0: "A says this.", 1: "A says this.", 2: "B says that."}
    assert _reasons(result) == {3: "label_out_of_domain"}


def test_nectar_rank_bound_is_the_number_of_answers(tmp_path) -> None:
    path = _jsonl(tmp_path, [_nectar([1, 2, 3]), _nectar([1, 2, 4])])
    assert _reasons(prefdata.convert(path, spec="nectar")) == {1: "label_out_of_domain"}


def test_chosen_scored_below_rejected_is_dropped(tmp_path) -> None:
    def row(chosen: float, rejected: float) -> dict[str, Any]:
        msgs = [{"role": "user", "content": "Hi"}]
        return {
            "prompt": "Hi",
            "chosen": [*msgs, {"role": "assistant", "content": "Hello!"}],
            "rejected": [*msgs, {"role": "assistant", "content": "Bye."}],
            "score_chosen": chosen,
            "score_rejected": rejected,
        }

    path = _jsonl(tmp_path, [row(8, 2), row(2, 8), row(5, 5)])
    options = ConvertOptions(margin=True, ties="keep")
    result = prefdata.convert(path, spec="ultrafeedback-binarized", options=options)
    assert _reasons(result) == {1: "label_out_of_domain"}
    assert "`score_chosen` 2 is below `score_rejected` 8" in result.rejects[0].detail
    assert result.dataset["train"]["margin"] == [6.0, 0.0]  # never -6


def test_labels_error_stops_naming_row_and_value(tmp_path) -> None:
    path = _jsonl(tmp_path, [_helpsteer3(1), _helpsteer3(7)])
    with pytest.raises(RowError, match=r"row 1.*overall_preference.*is 7") as err:
        prefdata.convert(path, spec="helpsteer3-preference", options=ConvertOptions(labels="error"))
    assert "--labels drop" in err.value.fix


def test_labels_error_from_the_cli(tmp_path) -> None:
    path = _jsonl(tmp_path, [_pku(0), _pku(2)])
    out = tmp_path / "out"
    run = CliRunner().invoke(
        main, ["convert", str(path), str(out), "--spec", "pku-saferlhf", "--labels", "error"]
    )
    assert run.exit_code == 2, run.output
    assert "better_response_id" in run.output and "row 1" in run.output
    assert not out.exists()
    run = CliRunner().invoke(main, ["convert", str(path), str(out), "--spec", "pku-saferlhf"])
    assert run.exit_code == 0 and "label_out_of_domain" in run.output


def test_user_index_spec_without_domain_refuses_non_indices(tmp_path) -> None:
    """An index column is a response index: 0.7 was read as 0 (a silent pick), now it is out of domain."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "name: idx\nmatch: {columns: [q, a, b, pick]}\nprompt: [{column: q}]\n"
        "responses: {columns: [a, b]}\npreference: {encoding: index, axes: {main: pick}, default_axis: main}\n",
        encoding="utf-8",
    )
    rows = [{"q": "?", "a": "A", "b": "B", "pick": v} for v in (1, 1.0, 0.7, 2, "1", True)]
    result = prefdata.convert(_jsonl(tmp_path, rows), spec=spec)
    assert [r["chosen"][0]["content"] for r in result.dataset["train"]] == ["B", "B"]
    assert _reasons(result) == dict.fromkeys(range(2, 6), "label_out_of_domain")


# --- margins: a boolean or text margin is a bad value; a missing one is never a null in the output ---


def _trl(margin: Any, n: int = 0) -> dict[str, Any]:
    return {"prompt": "Say hi", "chosen": f"hello {n}", "rejected": "go away", "margin": margin}


def test_boolean_or_text_margin_is_bad_value(tmp_path) -> None:
    path = _jsonl(tmp_path, [_trl(1.5, 0), _trl(True, 1), _trl("0.5", 2), _trl(False, 3)])
    result = prefdata.convert(path)
    assert result.manifest.layout == "trl-standard"
    assert _reasons(result) == {1: "bad_value", 2: "bad_value", 3: "bad_value"}
    assert "(bool), not a number" in result.rejects[0].detail
    assert result.dataset["train"]["margin"] == [1.5]


def test_missing_margin_drops_the_row_with_a_note(tmp_path) -> None:
    path = _jsonl(tmp_path, [_trl(1.5, 0), _trl(None, 1), _trl(float("nan"), 2), _trl(0.5, 3)])
    result = prefdata.convert(path)
    assert _reasons(result) == {1: "no_margin", 2: "no_margin"}
    assert None not in result.dataset["train"]["margin"]
    assert any("2 row(s) had no usable margin" in note for note in result.manifest.notes)


def test_margin_on_a_layout_without_strength_writes_no_column(tmp_path, hh_sample) -> None:
    options = ConvertOptions(margin=True, pairing="all-pairs")
    result = prefdata.convert(hh_sample, tmp_path / "out", options=options)
    assert "margin" not in result.dataset["train"].column_names
    notes = result.manifest.notes
    assert any(n.startswith("--margin: layout `hh-rlhf` has no score") for n in notes)
    assert any(n.startswith("--pairing all-pairs: layout `hh-rlhf` compares exactly two") for n in notes)
    manifest = json.loads((tmp_path / "out" / "prefdata.json").read_text())
    assert manifest["notes"] == notes


def test_cli_prints_the_notes(tmp_path, hh_sample) -> None:
    run = CliRunner().invoke(main, ["convert", str(hh_sample), str(tmp_path / "o"), "--margin"])
    assert run.exit_code == 0
    assert "note: --margin: layout `hh-rlhf` has no score, strength or margin column" in run.output
