"""The project's main job on an embedded default, offline: what `prefdata-train demo` runs.

raw arena-style source -> convert (auto-detected) -> validate -> tiny model -> fit -> evaluate
on the held-out split. Every artefact stays in the output folder:

| path                         | what                                            |
| ---------------------------- | ----------------------------------------------- |
| `raw/`                       | the generated source (train and test parquet)    |
| `converted/`                 | the canonical dataset, `prefdata.json`, rejects |
| `validation.json`            | the validation report                           |
| `tiny-model/`                | the untrained model and its tokenizer           |
| `model/`                     | the reward model, model card, metrics, plot      |
| `reward-distribution.png`    | held-out rewards, chosen vs rejected            |
| `demo.json`                  | the summary, with held-out accuracy             |

The held-out accuracy is shown beside a trivial baseline, "the longer answer wins", on the same
pairs: the demo passes when the model reaches its target and beats that baseline by a margin.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import cast

from pydantic import BaseModel, Field

from prefdata._errors import OutputError, PrefdataError

MARKER = "demo.json"


class DemoResult(BaseModel):
    """Headline numbers of a demo run."""

    out_dir: str
    rows_in: int
    rows_out: int
    dropped: dict[str, int]
    validation_errors: int
    validation_findings: dict[str, int] = Field(default_factory=dict, description="Finding code -> count.")
    train_steps: int
    heldout_pairs: int
    heldout_accuracy: float
    baseline_accuracy: float = Field(description='"The longer answer wins" on the held-out pairs.')
    target_accuracy: float = 0.85
    min_lead: float = Field(default=0.2, description="How far the model must beat the baseline.")

    @property
    def reached(self) -> bool:
        """The model reached its target and learned more than the length of the answers."""
        return (
            self.heldout_accuracy >= self.target_accuracy
            and self.heldout_accuracy - self.baseline_accuracy >= self.min_lead
        )


def prepare_out_dir(out_dir: Path, overwrite: bool) -> None:
    """Create `out_dir`; replace it only if an earlier demo wrote it and `overwrite` is set."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not overwrite:
            raise OutputError("output folder already exists", where=str(out_dir), fix="pass --overwrite")
        if not (out_dir / MARKER).exists() and not (out_dir / "raw").exists():
            raise OutputError(
                "refusing to overwrite a folder the demo did not write",
                where=str(out_dir),
                fix="choose another folder",
            )
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)


def run_demo(
    out_dir: str | Path,
    *,
    echo: Callable[[str], None] = lambda s: None,
    overwrite: bool = False,
    seed: int = 0,
) -> DemoResult:
    """Run the whole pipeline into `out_dir`, reporting each step through `echo`."""
    import prefdata
    from prefdata._report_text import convert_summary
    from prefdata.records.manifest import Manifest
    from prefdata_train._workflows.demo_data import write_demo_source

    out = Path(out_dir)
    prepare_out_dir(out, overwrite)
    echo("[1/6] generating the raw arena-style source (JSON turn lists, one-hot winners, ties, nulls)")
    raw = write_demo_source(out / "raw", seed=seed)
    echo("[2/6] converting it with layout auto-detection")
    converted = prefdata.convert(raw, out / "converted")
    # `convert` (not `mix`) gives a convert manifest
    manifest = cast(Manifest, converted.manifest)
    echo(_indent(convert_summary(manifest, str(out / "converted"))))
    errors, findings = _validate(out, echo)
    echo("[4/6] building a tiny Qwen3-style model and a BPE tokenizer trained on the data")
    model_dir = _tiny_model(out, seed)
    echo("[5/6] fitting the reward model")
    fitted = _fit(out, model_dir, seed)
    echo(
        f"      {fitted.global_step} steps; model, model card, metrics.json, training.png in {out / 'model'}"
    )
    echo("[6/6] evaluating on the held-out test split")
    report, baseline = _evaluate(out)
    summary = converted.manifest.summary()
    result = DemoResult(
        out_dir=str(out),
        rows_in=summary["rows_in"],
        rows_out=summary["rows_out"],
        dropped=summary["dropped"],
        validation_errors=errors,
        validation_findings=findings,
        train_steps=fitted.global_step,
        heldout_pairs=report.n_pairs,
        heldout_accuracy=report.accuracy,
        baseline_accuracy=baseline,
    )
    (out / MARKER).write_text(result.model_dump_json(indent=2) + "\n")
    echo(
        f"held-out accuracy: {report.accuracy:.3f} on {report.n_pairs} pairs "
        f"(target {result.target_accuracy}); mean reward gap {report.mean_gap:.3f}"
    )
    echo(f'baseline "the longer answer wins" on the same pairs: {baseline:.3f}')
    return result


def _validate(out: Path, echo: Callable[[str], None]) -> tuple[int, dict[str, int]]:
    """Validate the converted data, show every finding, and return (errors, {code: count})."""
    from prefdata._validate import validate

    echo("[3/6] validating the converted dataset")
    report = validate(out / "converted")
    (out / "validation.json").write_text(report.model_dump_json(indent=2) + "\n")
    errors = sum(1 for f in report.findings if f.severity == "error")
    echo(f"      {len(report.findings)} finding(s), {errors} at error severity; report in validation.json")
    for finding in report.findings:
        echo(f"        {finding.severity:<8} {finding.code:<28} {finding.count:>6}  {finding.title}")
    if errors:
        raise PrefdataError("the converted demo data failed validation", where=str(out / "validation.json"))
    return errors, {f.code: f.count for f in report.findings}


def _tiny_model(out: Path, seed: int) -> Path:
    import datasets

    from prefdata_train._data.canonical_reader import pair_texts
    from prefdata_train._workflows.tiny_model import build_tiny_model

    data = datasets.load_from_disk(str(out / "converted"))
    return build_tiny_model(
        out / "tiny-model", pair_texts(data), vocab_size=800, hidden_size=64, num_layers=2, seed=seed
    )


def _fit(out: Path, model_dir: Path, seed: int):
    from prefdata_train._trainer.reward_config import RewardConfig
    from prefdata_train._workflows.fit import fit

    config = RewardConfig(
        output_dir=str(out / "model"),
        num_train_epochs=1,
        per_device_train_batch_size=16,
        per_device_eval_batch_size=32,
        learning_rate=1e-3,
        warmup_steps=10,
        logging_steps=10,
        eval_strategy="no",
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        seed=seed,
        max_length=256,
        disable_tqdm=True,
    )
    return fit(out / "converted", str(model_dir), out / "model", config)


def _evaluate(out: Path):
    """The model's report on the test split, and the longer-answer baseline on the same pairs."""
    from prefdata_train._data.canonical_reader import load_canonical
    from prefdata_train._workflows.evaluation import evaluate, longer_answer_accuracy

    report = evaluate(out / "model", out / "converted", split="test", plot=out / "reward-distribution.png")
    return report, longer_answer_accuracy(load_canonical(out / "converted")["test"])


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.splitlines())


def load_result(out_dir: str | Path) -> DemoResult:
    """Read back the summary of an earlier run."""
    return DemoResult.model_validate(json.loads((Path(out_dir) / MARKER).read_text()))
