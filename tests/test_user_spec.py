"""User-written specs: an unseen layout described in YAML converts like a built-in one.

Also: `prefdata detect --print-spec` prints each built-in spec as YAML that `load_spec`
reads back to the same spec, so a user can start from it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import prefdata
from prefdata._cli import main
from prefdata._layouts import builtin_spec, builtin_specs, load_spec, spec_to_yaml

QA_SPEC = """\
name: qa-good-bad
description: a question with a good and a bad answer, plus an optional persona
match:
  columns: [question, answer_good, answer_bad]
prompt:
  - {column: persona, role: system, optional: true}
  - {column: question, role: user}
responses: {columns: [answer_good, answer_bad]}
preference: {encoding: paired}
margin: {column: gap, always: true}
"""

QA_ROWS = [
    {
        "persona": "You are a terse sommelier.",
        "question": "Red or white with salmon?",
        "answer_good": "A light red like pinot noir, or a rich white.",
        "answer_bad": "Only beer.",
        "gap": 2.5,
    },
    {
        "persona": None,
        "question": "Capital of Canada?",
        "answer_good": "Ottawa.",
        "answer_bad": "Toronto.",
        "gap": 0.5,  # a margin on every row: a null one drops the row (`no_margin`, tests/hardening)
    },
    {
        "persona": "",
        "question": "Boiling point of water at sea level?",
        "answer_good": "100 °C.",
        "answer_bad": "",
        "gap": 1.0,
    },
]

SCORED_SPEC = """\
name: scored-candidates
match:
  columns: [query, candidates]
  values:
    - {column: candidates, kind: list_of_struct, fields: [text, score]}
prompt: [{column: query}]
responses: {list_column: candidates, field: text}
preference: {encoding: score, field: score}
"""

SCORED_ROWS = [
    {
        "query": "Name a prime number.",
        "candidates": [
            {"text": "9", "score": 0.1},
            {"text": "7", "score": 0.9},
            {"text": "It is 2, the only even prime.", "score": 1.0},
        ],
    },
    {"query": "Say hi.", "candidates": [{"text": "Hi!", "score": 0.5}, {"text": "Hello!", "score": 0.5}]},
    {
        "query": "Spell 'cat'.",
        "candidates": [{"text": "c-a-t", "score": None}, {"text": "k-a-t", "score": 0.2}],
    },
]


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _jsonl(folder: Path, name: str, rows: list[dict]) -> Path:
    return _write(folder, name, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def test_paired_user_spec(tmp_path: Path) -> None:
    spec = _write(tmp_path, "qa.yaml", QA_SPEC)
    data = _jsonl(tmp_path, "qa.jsonl", QA_ROWS)
    # no built-in layout has these columns: the layout is inferred (issue 11), the spec still wins
    assert prefdata.detect(data).layout == "inferred"
    result = prefdata.convert(data, spec=spec)
    assert result.manifest.layout == "qa-good-bad" and result.manifest.detection is None
    rows = result.dataset["train"]
    assert rows[0]["prompt"] == [
        {"role": "system", "content": "You are a terse sommelier."},
        {"role": "user", "content": "Red or white with salmon?"},
    ]
    good = "A light red like pinot noir, or a rich white."
    assert rows[0]["chosen"] == [{"role": "assistant", "content": good}]
    assert rows[0]["rejected"] == [{"role": "assistant", "content": "Only beer."}]
    assert rows[0]["margin"] == 2.5
    assert rows[1]["prompt"] == [{"role": "user", "content": "Capital of Canada?"}]  # null persona: no system
    assert rows[1]["margin"] == 0.5
    assert [(r.source_row, r.reason) for r in result.rejects] == [(2, "empty_response")]
    assert result.manifest.spec == load_spec(spec)


def test_scored_list_user_spec(tmp_path: Path) -> None:
    spec = _write(tmp_path, "scored.yaml", SCORED_SPEC)
    data = _jsonl(tmp_path, "scored.jsonl", SCORED_ROWS)
    result = prefdata.convert(data, spec=spec, options=prefdata.ConvertOptions(margin=True, ties="keep"))
    rows = result.dataset["train"]
    assert [r["source_row"] for r in rows] == [0, 1]
    assert rows[0]["chosen"][0]["content"] == "It is 2, the only even prime."
    assert rows[0]["rejected"][0]["content"] == "9"
    assert rows[0]["margin"] == pytest.approx(0.9) and rows[0]["tie"] is False
    assert rows[1]["tie"] is True and rows[1]["margin"] == 0.0
    assert [(r.source_row, r.reason) for r in result.rejects] == [(2, "fewer_than_two_responses")]


def test_spec_given_as_object_or_builtin_name(tmp_path: Path) -> None:
    data = _jsonl(tmp_path, "qa.jsonl", QA_ROWS[:2])
    spec = load_spec(_write(tmp_path, "qa.yaml", QA_SPEC))
    assert len(prefdata.convert(data, spec=spec).dataset["train"]) == 2
    with pytest.raises(prefdata.SpecError, match="no built-in layout named 'qa-good-bad'"):
        prefdata.convert(data, spec="qa-good-bad")


@pytest.mark.parametrize("name", [s.name for s in builtin_specs()])
def test_printed_spec_round_trips(name: str, tmp_path: Path) -> None:
    spec = builtin_spec(name)
    assert load_spec(_write(tmp_path, f"{name}.yaml", spec_to_yaml(spec))) == spec


def test_cli_print_spec_edit_and_convert(tmp_path: Path) -> None:
    """The user workflow: print the detected spec, rename a column in it, convert renamed data."""
    shp = Path(__file__).parent / "fixtures" / "layouts" / "shp.jsonl"
    out = CliRunner().invoke(main, ["detect", str(shp), "--print-spec"])
    assert out.exit_code == 0, out.output
    assert load_spec(_write(tmp_path, "shp.yaml", out.output)) == builtin_spec("shp")
    renamed = [
        {("post" if k == "history" else k): v for k, v in json.loads(line).items()}
        for line in shp.read_text().splitlines()
    ]
    edited = out.output.replace("history", "post").replace("name: shp", "name: my-shp")
    spec = _write(tmp_path, "mine.yaml", edited)
    result = prefdata.convert(_jsonl(tmp_path, "mine.jsonl", renamed), spec=spec)
    expected = prefdata.convert(shp)
    assert result.manifest.layout == "my-shp"
    assert result.dataset["train"][:] == expected.dataset["train"][:]
    assert result.manifest.splits == expected.manifest.splits
