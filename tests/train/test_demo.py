"""`prefdata-train demo`: the main job, offline, reaches its held-out accuracy target on a fair test."""

from __future__ import annotations

import json

from click.testing import CliRunner

from prefdata_train._cli import main


def test_demo_runs_every_step_and_reaches_target(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", str(out)])
    assert result.exit_code == 0, result.output
    for step in range(1, 7):
        assert f"[{step}/6]" in result.output
    summary = json.loads((out / "demo.json").read_text())
    assert summary["heldout_accuracy"] >= 0.85 and summary["heldout_pairs"] > 200
    # a fair test: no test prompt seen in training, no duplicate pairs (read from validate's own report)
    findings = {f["code"]: f for f in json.loads((out / "validation.json").read_text())["findings"]}
    assert "splits.prompt_leak" not in findings and "content.duplicate" not in findings
    assert summary["validation_findings"] == {code: f["count"] for code, f in findings.items()}
    for code, finding in findings.items():  # each finding shown on screen with severity and count
        assert any(code in line and finding["severity"] in line and str(finding["count"]) in line
                   for line in result.output.splitlines())  # fmt: skip
    # the model learned more than "the longer answer wins", printed beside it
    baseline = summary["baseline_accuracy"]
    assert 0.3 < baseline < 0.7 and summary["heldout_accuracy"] - baseline >= 0.2
    assert f'baseline "the longer answer wins" on the same pairs: {baseline:.3f}' in result.output
    # the generated source carries the arena traps, and the converter accounted for them
    assert summary["dropped"].get("tie", 0) > 0 and summary["dropped"].get("empty_response", 0) > 0
    assert summary["rows_in"] == summary["rows_out"] + sum(summary["dropped"].values())
    for artefact in (
        "converted/prefdata.json",
        "validation.json",
        "tiny-model/config.json",
        "model/config.json",
        "model/README.md",
        "model/metrics.json",
        "model/training.png",
        "reward-distribution.png",
    ):
        assert (out / artefact).exists(), artefact
    again = CliRunner().invoke(main, ["demo", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output
