"""One registry of drop reasons: every reason the code can give is in it, and validate maps each one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from prefdata._cli.summary import convert_summary
from prefdata._infer.names import TIE_WORDS
from prefdata._layouts import builtin_specs
from prefdata._validate.codes import CHECKS
from prefdata._validate.finding_sink import FindingSink
from prefdata._validate.manifest_drops import drop_code
from prefdata._validate.raw import RawInput
from prefdata._validate.reading import CanonicalInput
from prefdata.records import Reject
from prefdata.records.drop_reasons import DROP_REASONS, TIE_CHECK, drop_reason
from prefdata.records.manifest import Manifest, SplitReport

PACKAGE = Path(__file__).resolve().parents[1] / "prefdata"
# callables that take a drop reason, and the position of the reason among their arguments
REASON_ARGUMENT = {"Drop": 0, "FlawedRow": 1, "_reject": 2}


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _strings(node: ast.AST) -> set[str]:
    """Every string constant in an expression (`a or "tie"`, `"x" if c else "y"`)."""
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _reasons_in(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            position = REASON_ARGUMENT.get(_name(node.func) or "")
            if position is not None and len(node.args) > position:
                found |= _strings(node.args[position])
            found |= {r for kw in node.keywords if kw.arg == "reason" for r in _strings(kw.value)}
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "reason":
                    found |= _strings(value)
    return found


def _code_reasons() -> dict[str, list[str]]:
    """Reason -> the modules of prefdata/ that can give it."""
    where: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for reason in _reasons_in(ast.parse(path.read_text(encoding="utf-8"))):
            where.setdefault(reason, []).append(str(path.relative_to(PACKAGE.parent)))
    return where


def _tie_kinds() -> set[str]:
    """The tie kinds a tie can be dropped as: the built-in specs', inferred specs' and the default."""
    kinds = {"tie", *TIE_WORDS.values()}
    for spec in builtin_specs():
        kinds |= set(getattr(spec.preference, "ties", {}).values())
    return kinds


def test_the_scan_finds_the_reasons_of_each_kind_of_call():
    found = _code_reasons()
    # one per way of giving a reason: a transform's Drop, a reader's FlawedRow, a mix reject
    assert {"identical", "bad_value", "duplicate", "contaminated", "orphan_message"} <= set(found)
    assert len(found) >= 15


def test_every_reason_the_code_can_give_is_registered():
    unregistered = {reason: where for reason, where in _code_reasons().items() if reason not in DROP_REASONS}
    assert unregistered == {}


def test_every_tie_kind_is_a_registered_tie():
    assert {kind: drop_reason(kind).is_tie for kind in _tie_kinds()} == dict.fromkeys(_tie_kinds(), True)


@pytest.mark.parametrize("reason", list(DROP_REASONS.values()), ids=list(DROP_REASONS))
def test_validate_maps_every_registered_reason_to_a_known_check(reason):
    assert reason.description and reason.check in CHECKS and reason.output_check in CHECKS
    assert drop_code(reason.name) == reason.output_check
    sink = FindingSink()
    RawInput(
        CanonicalInput("x", {}), "x", [Reject(split="train", source_row=2, reason=reason.name)]
    ).report_rejects(sink)
    assert [f.code for f in sink.findings()] == [reason.check]


def test_a_tie_is_a_tie_for_a_raw_source_and_for_a_convert_output():
    for name in ("tie", "tie_both_bad"):
        sink = FindingSink()
        raw = RawInput(CanonicalInput("x", {}), "x", [Reject(split="train", source_row=4, reason=name)])
        raw.report_rejects(sink)
        assert [f.code for f in sink.findings()] == [TIE_CHECK] == [drop_code(name)]


def test_an_unregistered_reason_is_a_plain_drop():
    reason = drop_reason("a_kind_a_user_spec_invented")
    assert (reason.check, reason.output_check, reason.is_tie, reason.description) == (
        "convert.dropped",
        "convert.dropped",
        False,
        "",
    )


def test_convert_summary_describes_each_reason_from_the_registry():
    report = SplitReport(rows_in=5, rows_out=2, dropped={"tie_both_bad": 2, "unheard_of": 1})
    manifest = Manifest.model_construct(
        layout="x", format="standard", prompt="explicit", splits={"train": report}, notes=[]
    )
    lines = convert_summary(manifest, "out").splitlines()
    assert any(
        line.split()[0:2] == ["tie_both_bad", "2"] and DROP_REASONS["tie_both_bad"].description in line
        for line in lines
    )
    assert any(line.split() == ["unheard_of", "1"] for line in lines)
