"""OpenAssistant message trees, tree export and flat table: pairs, skipping, accounting.

The expected pair counts on the real sample are derived here by an independent walk of the
trees (`_sibling_sets`), never read back from the converter.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from math import comb
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from layout_checks import assert_accounted

import prefdata
from prefdata import ConvertOptions
from prefdata._transforms.drops import REASONS, Drop
from prefdata._transforms.message_tree import assemble_flat, tree_pairs
from prefdata._validate import validate
from prefdata.records.spec import MessageTree

TREE = MessageTree(encoding="message_tree", structure="tree")
FLAT_COLUMNS = [
    "message_id",
    "parent_id",
    "text",
    "role",
    "rank",
    "deleted",
    "synthetic",
    "lang",
    "review_result",
    "message_tree_id",
    "tree_state",
]


def _trees(path: Path) -> list[dict[str, Any]]:
    with path.open() as fh:
        return [json.loads(line) for line in fh]


def _messages(message: dict[str, Any]):
    yield message
    for reply in message.get("replies") or []:
        yield from _messages(reply)


def _usable(m: dict[str, Any]) -> bool:
    return not m["deleted"] and not m["synthetic"]


def _sibling_sets(message: dict[str, Any], thread: tuple[str, ...] = ()):
    """(prompt texts, replies sorted by rank) for every usable prompter with >= 2 usable ranked replies."""
    if not _usable(message):
        return
    thread = (*thread, message["text"])
    ranked = sorted(
        (r for r in message["replies"] if _usable(r) and r.get("rank") is not None), key=lambda r: r["rank"]
    )
    if message["role"] == "prompter" and len(ranked) >= 2:
        yield thread, ranked
    for reply in message["replies"]:
        yield from _sibling_sets(reply, thread)


def _expected_all_pairs(trees: list[dict[str, Any]]) -> list[tuple]:
    """Every (prompt texts, better text, worse text), trees in order, threads depth first."""
    sets = [s for tree in trees for s in _sibling_sets(tree["prompt"])]
    return [
        (thread, a["text"], b["text"])
        for thread, ranked in sets
        for n, a in enumerate(ranked)
        for b in ranked[n + 1 :]
    ]


def _produced(ds) -> list[tuple]:
    return [
        (
            tuple(m["content"] for m in row["prompt"]),
            row["chosen"][0]["content"],
            row["rejected"][0]["content"],
        )
        for row in ds
    ]


# ---------------------------------------------------------------- the real sample


def test_real_sample_facts(oasst_sample):
    """The facts SOURCES.md states, checked on the file (its 'one whole synthetic tree' is really five)."""
    trees = _trees(oasst_sample)
    messages = [m for t in trees for m in _messages(t["prompt"])]
    assert len(trees) == 100
    assert sum(m["synthetic"] for m in messages) == 22
    wholly_synthetic = [i for i, t in enumerate(trees) if all(m["synthetic"] for m in _messages(t["prompt"]))]
    assert wholly_synthetic == [0, 6, 29, 45, 92]  # every synthetic message lies in these trees
    sibling_sets = [m["replies"] for m in messages if m["role"] == "prompter" and len(m["replies"]) >= 2]
    fully_ranked = [s for s in sibling_sets if all(r.get("rank") is not None for r in s)]
    assert len(fully_ranked) == 211
    assert all(len({r["rank"] for r in s}) == len(s) for s in fully_ranked)  # no rank ties
    usable_sets = [s for t in trees for s in _sibling_sets(t["prompt"])]
    assert len(usable_sets) == 207  # 211 fully ranked + 1 with 3 of 4 ranked - 5 synthetic


@pytest.mark.parametrize("pairing", ["best-worst", "best-random", "all-pairs"])
def test_real_sample_pair_counts(oasst_sample, pairing):
    trees = _trees(oasst_sample)
    ks = [len(ranked) for t in trees for _, ranked in _sibling_sets(t["prompt"])]
    expected = sum(comb(k, 2) for k in ks) if pairing == "all-pairs" else len(ks)
    result = prefdata.convert(oasst_sample, options=ConvertOptions(pairing=pairing))
    report = result.manifest.splits["train"]
    assert result.manifest.layout == "oasst-tree"
    assert report.rows_in == 100 and report.dropped == {"synthetic": 5}
    assert report.rows_out == result.dataset["train"].num_rows == expected
    assert expected == (732 if pairing == "all-pairs" else 207)


def test_real_sample_rows_are_well_formed(oasst_sample):
    trees = _trees(oasst_sample)
    options = ConvertOptions(pairing="all-pairs", margin=True)
    ds = prefdata.convert(oasst_sample, options=options).dataset["train"]
    assert _produced(ds) == _expected_all_pairs(trees)  # same pairs, same order
    for row in ds:
        roles = [m["role"] for m in row["prompt"]]
        assert roles == ["user", "assistant"] * (len(roles) // 2) + ["user"]
        assert [m["role"] for m in row["chosen"] + row["rejected"]] == ["assistant", "assistant"]
        assert row["prompt"][0]["content"] == trees[row["source_row"]]["prompt"]["text"]
        assert row["margin"] >= 1.0  # rank difference; the sample has no ties


# ---------------------------------------------------------------- a hand-made tree


def _msg(
    mid: str,
    role: str,
    rank: int | None = None,
    replies: list | None = None,
    *,
    deleted: bool = False,
    synthetic: bool = False,
) -> dict[str, Any]:
    return {
        "message_id": mid,
        "text": f"text {mid}",
        "role": role,
        "rank": rank,
        "deleted": deleted,
        "synthetic": synthetic,
        "lang": "en",
        "review_result": True,
        "replies": replies or [],
    }


def _a(mid: str, rank: int | None = None, replies: list | None = None, **flags: bool) -> dict[str, Any]:
    return _msg(mid, "assistant", rank, replies, **flags)


def _p(mid: str, *replies: dict[str, Any], **flags: bool) -> dict[str, Any]:
    return _msg(mid, "prompter", None, list(replies), **flags)


def _hand_tree(tree_id: str = "t1") -> dict[str, Any]:
    """P0 has A1 (0), A2 (1), A3 (1: a tie), a deleted A4, a synthetic A5 and an unranked A6.

    Below them: P1 with one ranked reply (no pair), P2 under the unranked A6 (one pair),
    P3 under the deleted A4 and the synthetic P4 under A2 (both skipped with their subtrees).
    """
    p1 = _p("P1", _a("B1", 0), _a("B2"))
    p2 = _p("P2", _a("C2", 1), _a("C1", 0))
    p3 = _p("P3", _a("D1", 0), _a("D2", 1))
    p4 = _p("P4", _a("E1", 0), _a("E2", 1), synthetic=True)
    root = _p(
        "P0",
        _a("A1", 0, [p1]),
        _a("A2", 1, [p4]),
        _a("A3", 1),
        _a("A4", 2, [p3], deleted=True),
        _a("A5", 3, synthetic=True),
        _a("A6", None, [p2]),
    )
    return {"message_tree_id": tree_id, "tree_state": "ready_for_export", "prompt": root}


def _ids(pairs) -> list[tuple[str, str, str, float | None, str | None]]:
    def mid(messages: list[dict[str, Any]]) -> str:
        return messages[-1]["content"].removeprefix("text ")

    return [(mid(p.prompt), mid(p.chosen), mid(p.rejected), p.margin, p.tie) for p in pairs]


def test_hand_tree_all_pairs_skip_deleted_synthetic_and_unranked():
    pairs = tree_pairs(_hand_tree(), TREE, ConvertOptions(pairing="all-pairs"), "0:train:0")
    assert _ids(pairs) == [
        ("P0", "A1", "A2", 1.0, None),
        ("P0", "A1", "A3", 1.0, None),
        ("P0", "A2", "A3", 0.0, "tie"),
        ("P2", "C1", "C2", 1.0, None),
    ]
    deep = pairs[-1].prompt
    assert [(m["role"], m["content"]) for m in deep] == [
        ("user", "text P0"),
        ("assistant", "text A6"),
        ("user", "text P2"),
    ]


def test_hand_tree_best_worst_takes_the_last_of_equal_worst():
    pairs = tree_pairs(_hand_tree(), TREE, ConvertOptions(pairing="best-worst"), "0:train:0")
    assert _ids(pairs) == [("P0", "A1", "A3", 1.0, None), ("P2", "C1", "C2", 1.0, None)]


def test_best_random_is_seeded_and_never_picks_skipped_replies():
    def rejected(seed: int) -> str:
        options = ConvertOptions(pairing="best-random", seed=seed)
        pairs = tree_pairs(_hand_tree(), TREE, options, f"{seed}:train:0")
        return _ids(pairs)[0][2]

    picks = [rejected(seed) for seed in range(30)]
    assert picks == [rejected(seed) for seed in range(30)]  # same seed, same partner
    assert set(picks) == {"A2", "A3"}  # random among the worse, never A1 itself nor A4/A5/A6
    tied_best = {"message_tree_id": "t", "prompt": _p("P", _a("X", 0), _a("Y", 0), _a("Z", 1))}
    for seed in range(10):
        options = ConvertOptions(pairing="best-random", seed=seed)
        assert _ids(tree_pairs(tied_best, TREE, options, f"{seed}:train:0")) == [("P", "X", "Z", 1.0, None)]


def test_all_tied_replies_make_a_tie_pair_under_every_pairing():
    tied = {"message_tree_id": "t", "prompt": _p("P", _a("X", 0), _a("Y", 0))}
    for pairing in ("best-worst", "best-random", "all-pairs"):
        pairs = tree_pairs(tied, TREE, ConvertOptions(pairing=pairing), "k")
        assert _ids(pairs) == [("P", "X", "Y", 0.0, "tie")]


@pytest.mark.parametrize(
    ("tree", "reason"),
    [
        ({"prompt": _p("P", _a("X", 0, synthetic=True), _a("Y", 1), synthetic=True)}, "synthetic"),
        ({"prompt": _p("P", _a("X", 0), _a("Y", 1), deleted=True)}, "deleted"),
        ({"prompt": _p("P", _a("X", 0), _a("Y"))}, "no_pairs"),
        ({"prompt": _p("P", _a("X", 0), _a("Y", 1, deleted=True))}, "no_pairs"),
        ({"prompt": _p("P", _a("X", 0), _p("Y"))}, "no_pairs"),  # a prompter reply to a prompter is skipped
        ({"prompt": _msg("X", "assistant")}, "bad_value"),
        ({"prompt": None}, "bad_value"),
    ],
)
def test_trees_without_pairs_are_dropped_with_a_known_reason(tree, reason):
    with pytest.raises(Drop) as info:
        tree_pairs(tree, TREE, ConvertOptions(), "k")
    assert info.value.reason == reason and reason in REASONS and info.value.detail


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_hand_trees_through_convert_count_ties_and_drops(tmp_path):
    single = {"message_tree_id": "t3", "tree_state": "ready_for_export", "prompt": _p("Q", _a("R", 0))}
    synthetic = {
        "message_tree_id": "t2",
        "tree_state": "ready_for_export",
        "prompt": _p("S", _a("T", 0, synthetic=True), _a("U", 1, synthetic=True), synthetic=True),
    }
    path = _write_jsonl(tmp_path / "trees.jsonl", [_hand_tree(), synthetic, single])
    assert prefdata.detect(path).layout == "oasst-tree"
    result = prefdata.convert(path, options=ConvertOptions(pairing="all-pairs"))
    report = result.manifest.splits["train"]
    # the tie pair is dropped by the default tie policy, but the tree still gave rows
    assert (report.rows_in, report.rows_out) == (3, 3)
    assert report.dropped == {"synthetic": 1, "no_pairs": 1}
    assert [(r.source_row, r.reason) for r in result.rejects] == [(1, "synthetic"), (2, "no_pairs")]
    kept = prefdata.convert(path, options=ConvertOptions(pairing="all-pairs", ties="keep")).dataset["train"]
    assert kept["tie"] == [False, False, True, False] and set(kept["source_row"]) == {0}


# ---------------------------------------------------------------- the flat message table


def _flatten(trees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tree export as a message table: one row per message, depth first."""
    rows = []
    for tree in trees:
        stack = [(tree["prompt"], None)]
        while stack:
            message, parent = stack.pop()
            rows.append(
                {
                    **{c: message.get(c) for c in FLAT_COLUMNS},
                    "parent_id": parent,
                    "message_tree_id": tree["message_tree_id"],
                    "tree_state": tree["tree_state"],
                }
            )
            stack.extend((r, message["message_id"]) for r in reversed(message["replies"]))
    return rows


def _write_parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def test_assemble_flat_rebuilds_the_trees_root_first(oasst_sample):
    trees = _trees(oasst_sample)
    rows = _flatten(trees)
    assembled = assemble_flat(rows)
    assert [t["message_tree_id"] for t, _ in assembled] == [t["message_tree_id"] for t in trees]
    assert sorted(i for _, indices in assembled for i in indices) == list(range(len(rows)))
    for (tree, indices), original in zip(assembled, trees, strict=True):
        assert rows[indices[0]]["parent_id"] is None
        texts = [m["text"] for m in _messages(tree["prompt"])]
        assert texts == [m["text"] for m in _messages(original["prompt"])]


@pytest.mark.parametrize("pairing", ["best-worst", "all-pairs"])
def test_flat_table_gives_the_same_pairs_as_the_tree_export(oasst_sample, tmp_path, pairing):
    trees = _trees(oasst_sample)
    rows = _flatten(trees)
    path = _write_parquet(tmp_path / "messages.parquet", rows)
    assert prefdata.detect(path).layout == "oasst-flat"
    options = ConvertOptions(pairing=pairing, margin=True)
    flat = prefdata.convert(path, options=options).dataset["train"]
    tree = prefdata.convert(oasst_sample, options=options).dataset["train"]
    for column in ("prompt", "chosen", "rejected", "margin"):
        assert flat[column] == tree[column]
    roots = [i for i, r in enumerate(rows) if r["parent_id"] is None]
    assert flat["source_row"] == [roots[i] for i in tree["source_row"]]


def test_flat_accounting_every_input_row_is_used_or_rejected(oasst_sample, tmp_path):
    trees = _trees(oasst_sample)
    rows = _flatten(trees)
    base = next(r for r in rows if r["parent_id"] and not r["synthetic"])  # from a tree that gives pairs
    orphans = [
        {**base, "message_id": "lost-1", "parent_id": "no-such-message"},
        {**base, "message_id": "lost-2", "parent_id": "lost-1"},
    ]
    rows = rows + orphans
    random.Random(0).shuffle(rows)  # a tree's rows need not be contiguous, nor the root first
    path = _write_jsonl(tmp_path / "messages.jsonl", rows)
    assert prefdata.detect(path).layout == "oasst-flat"
    result = prefdata.convert(path, tmp_path / "out", options=ConvertOptions(pairing="all-pairs"))
    report = result.manifest.splits["train"]
    manifest = json.loads((tmp_path / "out" / "prefdata.json").read_text())
    assert manifest["splits"]["train"]["rows_in"] == report.rows_in == len(rows)
    synthetic_trees = {t["message_tree_id"] for t in trees if t["prompt"]["synthetic"]}
    synthetic_rows = {i for i, r in enumerate(rows) if r["message_tree_id"] in synthetic_trees}
    orphan_rows = {i for i, r in enumerate(rows) if r["message_id"].startswith("lost-")}
    rejected = {(r.source_row, r.reason) for r in result.rejects}
    expected = {(i, "synthetic") for i in synthetic_rows} | {(i, "orphan_message") for i in orphan_rows}
    assert rejected == expected
    assert len(result.rejects) == len(rejected) == 24  # each row rejected once
    used = len(rows) - len(synthetic_rows) - len(orphan_rows)
    assert used + len(result.rejects) == report.rows_in
    assert report.dropped == {"orphan_message": 2, "synthetic": 22}
    assert report.rows_out == 732
    ds = result.dataset["train"]
    assert all(rows[i]["parent_id"] is None for i in ds["source_row"])
    assert Counter(_produced(ds)) == Counter(_expected_all_pairs(trees))  # trees now in shuffled order


# ---------------------------------------------------------------- canonical output round trip


def test_converting_the_canonical_output_again_is_the_identity(oasst_sample, tmp_path):
    first = prefdata.convert(oasst_sample, tmp_path / "once", options=ConvertOptions(pairing="all-pairs"))
    second = prefdata.convert(tmp_path / "once")
    assert second.manifest.layout == "trl-conversational"
    assert second.manifest.splits["train"].dropped == {}
    for column in ("prompt", "chosen", "rejected"):
        assert second.dataset["train"][column] == first.dataset["train"][column]


def _flat_row(
    message_id: str, parent: str | None, role: str, text: str, rank: int | None = None
) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "parent_id": parent,
        "text": text,
        "role": role,
        "rank": rank,
        "deleted": False,
        "synthetic": False,
        "message_tree_id": message_id if parent is None else None,
        "tree_state": "ready_for_export",
    }


def test_flat_output_names_every_input_row_it_was_built_from(tmp_path):
    """`source_rows` lists all the rows of the tree a pair came from: the files alone account for
    every input row (before, rows 3 and 4 appeared nowhere: not in the output, not in the rejects)."""
    rows = [
        _flat_row("p1", None, "prompter", "First question?"),
        _flat_row("a1", "p1", "assistant", "The only reply.", 0),
        _flat_row("q1", None, "prompter", "Second question?"),
        _flat_row("b1", "q1", "assistant", "Better.", 0),
        _flat_row("b2", "q1", "assistant", "Worse.", 1),
    ]
    for row in rows:
        row["message_tree_id"] = "t1" if row["message_id"] in ("p1", "a1") else "t2"
    path = _write_jsonl(tmp_path / "messages.jsonl", rows)
    assert prefdata.detect(path).layout == "oasst-flat"
    result = prefdata.convert(path, tmp_path / "out")
    assert [(r.source_row, r.reason) for r in result.rejects] == [(0, "no_pairs"), (1, "no_pairs")]
    # from the files alone: the data's source_rows and rejects.jsonl cover each input row once
    saved = datasets.load_from_disk(str(tmp_path / "out"))["train"]
    assert saved["source_row"] == [2] and saved["source_rows"] == [[2, 3, 4]]
    rejected = [
        json.loads(line)["source_row"]
        for line in (tmp_path / "out" / "rejects.jsonl").read_text().splitlines()
    ]
    used = [i for rows_used in saved["source_rows"] for i in rows_used]
    assert sorted(used + rejected) == list(range(len(rows)))
    assert_accounted(result)
    errors = [f.code for f in validate(tmp_path / "out").findings if f.severity == "error"]
    assert errors == []


def test_tree_export_rows_have_no_source_rows(oasst_sample):
    # one tree is one input row: `source_row` alone traces it
    ds = prefdata.convert(oasst_sample).dataset["train"]
    assert "source_rows" not in ds.column_names
