"""`evaluate`, `score` and `normalize` end to end on a tiny model, in each published shape.

The metrics' arithmetic is tested on hand-worked numbers in `test_eval_metrics.py`; here the
real forward pass runs, and `score`'s output must recompute `evaluate`'s report exactly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_data import BAD, GOOD, QUESTIONS
from click.testing import CliRunner
from datasets import Dataset, load_from_disk

from prefdata._errors import PrefdataError
from prefdata_train._cli import main
from prefdata_train._evaluation.eval_sets import read_eval_set
from prefdata_train._evaluation.eval_summary import summarise
from prefdata_train._evaluation.report_model import EvaluationReport
from prefdata_train._workflows.evaluation import evaluate
from prefdata_train._workflows.normalization import CONFIG_KEY, read_normalization
from prefdata_train._workflows.score_folder import eval_set_rewards

SUBSETS = ["alpacaeval-easy", "mt-bench-hard", "refusals-dangerous", "math-prm", "hep-python"]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shaped(tmp_path_factory) -> dict[str, Path]:
    """One small file per published shape, from the toy questions and answers."""
    root = tmp_path_factory.mktemp("shapes")
    q = [QUESTIONS[i % 4] + f" ({i})" for i in range(10)]
    good = [GOOD[i % 4] for i in range(10)]
    bad = [BAD[i % 4] for i in range(10)]
    rb1 = [
        {"id": i, "prompt": q[i], "chosen": good[i], "rejected": bad[i], "subset": SUBSETS[i % 5]}
        for i in range(10)
    ]
    rb2 = [
        {
            "id": str(i),
            "prompt": q[i],
            "chosen": [good[i]],
            "rejected": [bad[i], bad[(i + 1) % 10], bad[(i + 2) % 10] + " no"],
            "num_correct": 1,
            "num_incorrect": 3,
            "subset": ["Factuality", "Math"][i % 2],
        }
        for i in range(8)
    ]
    styles = ["{}", "{} In more detail.", "**{}**"]
    rmb = [
        {
            "id": i,
            "prompt": q[i],
            "chosen": [s.format(good[i]) for s in styles],
            "rejected": [s.format(bad[i]) for s in styles],
            "domain": ["chat", "safety-refuse"][i % 2],
        }
        for i in range(6)
    ]
    return {
        "rewardbench": _jsonl(root / "rb1.jsonl", rb1),
        "rewardbench-2": _jsonl(root / "rb2.jsonl", rb2),
        "rm-bench": _jsonl(root / "rmb.jsonl", rmb),
    }


@pytest.mark.parametrize("benchmark", ["rewardbench", "rewardbench-2", "rm-bench"])
@pytest.mark.parametrize("name", ["scores.parquet", "scores.jsonl", "scores"])
def test_score_output_recomputes_the_report(tiny_model_dir, shaped, tmp_path, benchmark, name):
    """Every format keeps every bit of each reward: the report recomputed from it is equal."""
    report = evaluate(tiny_model_dir, shaped[benchmark])
    assert report.benchmark == benchmark and report.benchmark_score is not None
    out = tmp_path / name
    result = CliRunner().invoke(main, ["score", str(tiny_model_dir), str(shaped[benchmark]), str(out)])
    assert result.exit_code == 0, result.output
    read = {
        "scores.parquet": Dataset.from_parquet,
        "scores.jsonl": Dataset.from_json,
        "scores": load_from_disk,
    }
    table = read[name](str(out))
    eval_set = read_eval_set(shaped[benchmark])
    rewards, lengths = eval_set_rewards(eval_set, table)
    again = summarise(eval_set, rewards, lengths)
    assert json.loads(again.model_dump_json()) == json.loads(
        report.model_copy(update={"model": None}).model_dump_json()
    )
    # each completion scored once, nested as the input's lists
    assert [len(r) for r in rewards] == [len(c) for c in eval_set.completions]


def test_evaluate_cli_json_and_html_report(tiny_model_dir, shaped, tmp_path):
    report_dir = tmp_path / "report"
    args = ["evaluate", str(tiny_model_dir), str(shaped["rewardbench"]), "--json", "--no-plot"]
    result = CliRunner().invoke(main, [*args, "--report", str(report_dir)])
    assert result.exit_code == 0, result.output
    report = EvaluationReport.model_validate_json(result.stdout)
    assert set(report.sections) == {"Chat", "Chat Hard", "Safety", "Reasoning"}
    assert report.report == str(report_dir / "index.html")
    page = (report_dir / "index.html").read_text(encoding="utf-8")
    assert "refusals-dangerous" in page and "data:image/png;base64," in page


def test_a_wrong_benchmark_is_a_usage_error(tiny_model_dir, shaped):
    result = CliRunner().invoke(
        main, ["evaluate", str(tiny_model_dir), str(shaped["rm-bench"]), "--benchmark", "rewardbench"]
    )
    assert result.exit_code == 2
    assert "error:" in result.output and "Traceback" not in result.output


def test_normalize_then_score_gives_standardised_rewards(tiny_model_dir, shaped, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    runner = CliRunner()
    raw_out, norm_out = tmp_path / "raw.jsonl", tmp_path / "norm.jsonl"
    data = str(shaped["rewardbench-2"])
    refused = runner.invoke(main, ["score", str(model), data, str(norm_out), "--normalize"])
    assert refused.exit_code == 2 and "prefdata-train normalize" in refused.output
    assert not norm_out.exists()
    assert runner.invoke(main, ["normalize", str(model), data]).exit_code == 0
    stored = read_normalization(model)
    assert json.loads((model / "config.json").read_text())[CONFIG_KEY]["n"] == 8 * 4
    assert runner.invoke(main, ["score", str(model), data, str(raw_out)]).exit_code == 0
    assert runner.invoke(main, ["score", str(model), data, str(norm_out), "--normalize"]).exit_code == 0
    raw = [
        x for row in Dataset.from_json(str(raw_out)) for x in row["chosen_rewards"] + row["rejected_rewards"]
    ]
    norm = [
        x for row in Dataset.from_json(str(norm_out)) for x in row["chosen_rewards"] + row["rejected_rewards"]
    ]
    assert norm == pytest.approx([(x - stored.mean) / stored.std for x in raw], abs=1e-6)
    # on the reference data itself, standardised rewards have mean 0 and spread 1
    mean = sum(norm) / len(norm)
    assert mean == pytest.approx(0.0, abs=1e-5)
    assert (sum((x - mean) ** 2 for x in norm) / len(norm)) ** 0.5 == pytest.approx(1.0, abs=1e-5)
    # transformers keeps the stored numbers on the config, where pipeline users read them
    from transformers import AutoConfig

    assert AutoConfig.from_pretrained(model).reward_normalization["std"] == pytest.approx(stored.std)


def test_normalize_refuses_a_folder_without_config(tmp_path, shaped):
    (tmp_path / "m").mkdir()
    with pytest.raises(PrefdataError, match="no config.json"):
        from prefdata_train._workflows.normalization import normalize

        normalize(tmp_path / "m", shaped["rewardbench"])
