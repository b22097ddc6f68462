"""Every corpus layout converts with its documented meaning, or is refused as ambiguous or pairless."""

from __future__ import annotations

import json
from typing import Any

import pytest
from corpus import AMBIGUOUS, CONVERTED, NO_PAIRS, fixture

import prefdata
from prefdata._errors import DetectionError
from prefdata._infer import AmbiguousLayoutError


def _rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in fixture(name).read_text().splitlines() if line.strip()]


def _text(value: Any) -> str:
    """The final reply's text of a response value in any of the corpus shapes."""
    if isinstance(value, list):
        value = value[-1]
    if isinstance(value, dict):
        content = value.get("content", value.get("value", value.get("text")))
        if isinstance(content, list):
            content = "".join(p["text"] for p in content)
        if content is None:
            return json.dumps(value["tool_calls"][0]["function"]["arguments"])
        return content
    return value


def _responses(where: Any, row: dict[str, Any]) -> list[Any]:
    if isinstance(where, str):
        return [item["text"] for item in row[where]]
    return [row[c] for c in where]


def _out_text(side: Any) -> str:
    msg = side[-1] if isinstance(side, list) else side
    if isinstance(msg, str):
        return msg
    if msg.get("tool_calls"):
        return json.dumps(msg["tool_calls"][0]["function"]["arguments"])
    return msg["content"]


def test_corpus_has_twenty_layouts() -> None:
    assert len(CONVERTED) + len(AMBIGUOUS) + len(NO_PAIRS) >= 20


@pytest.mark.parametrize("name", sorted(CONVERTED))
def test_converts_with_documented_meaning(name: str) -> None:
    where, meaning = CONVERTED[name]
    result = prefdata.convert(fixture(name))
    assert result.manifest.layout == "inferred"
    assert result.manifest.detection is not None and result.manifest.detection.inference is not None
    rows = _rows(name)
    expected = {i: meaning(r) for i, r in enumerate(rows)}
    out = result.dataset["train"]
    assert sorted(out["source_row"]) == sorted(i for i, w in expected.items() if w is not None)
    for row in out:
        src = rows[row["source_row"]]
        texts = [_text(v) for v in _responses(where, src)]
        winner = expected[row["source_row"]]
        assert _out_text(row["chosen"]) == texts[winner], name
        assert _out_text(row["rejected"]) in [t for i, t in enumerate(texts) if i != winner], name
    ties = {r.source_row for r in result.rejects if r.reason == "tie"}
    assert ties == {i for i, w in expected.items() if w is None}


@pytest.mark.parametrize("name", sorted(AMBIGUOUS))
def test_look_alikes_refused_as_ambiguous(name: str, tmp_path) -> None:
    with pytest.raises(AmbiguousLayoutError) as err:
        prefdata.convert(fixture(name), tmp_path / "out")
    message = str(err.value)
    assert "ambiguous" in message
    assert "reading 1:" in message and "reading 2:" in message
    assert "# <-- ambiguous" in message  # the spec, with the undecided field marked
    assert "--spec FILE" in err.value.fix
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", sorted(NO_PAIRS))
def test_pairless_data_refused_with_what_it_is(name: str) -> None:
    with pytest.raises(DetectionError) as err:
        prefdata.detect(fixture(name))
    assert not isinstance(err.value, AmbiguousLayoutError)
    message = str(err.value)
    assert NO_PAIRS[name] in message and "not preference data" in message
    assert "nearest layout" not in message
