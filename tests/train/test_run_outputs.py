"""What `fit`, `evaluate` and `score` write, and where: never into the data folder, plots beside
the model, no silent overwrite, progress bars when asked, a gap histogram whose bars show."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import numpy as np
import pytest
from cli_data import write_standard
from datasets import Dataset
from matplotlib.image import imread
from train_helpers import FIT_FAST, fast_config, invoke, load, snapshot

from prefdata_train._data.map_cache import CACHE_FOLDER
from prefdata_train._modeling.pair_scoring import score_pairs
from prefdata_train._trainer.reward_trainer import RewardTrainer
from prefdata_train._workflows.fit import fit
from prefdata_train._workflows.plots import plot_reward_distribution

FAST = FIT_FAST


@pytest.fixture(scope="module")
def run(tmp_path_factory, tiny_model_dir):
    """A converted folder, its snapshot, a datasets cache of its own, and a model fitted on it."""
    root = tmp_path_factory.mktemp("outputs")
    data = write_standard(root / "data")
    before = snapshot(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(datasets.config, "HF_DATASETS_CACHE", str(root / "hf-cache"))
        result = invoke("fit", data, "--model", tiny_model_dir, "--output-dir", root / "model", *FAST)
        assert result.exit_code == 0, result.output
        yield {"root": root, "data": data, "before": before, "model": root / "model", "tiny": tiny_model_dir}


def test_fit_evaluate_and_score_leave_the_data_folder_as_it_was(run):
    root, data = run["root"], run["data"]
    assert invoke("evaluate", run["model"], data, "--no-plot").exit_code == 0
    assert invoke("score", run["model"], data, root / "scores.jsonl").exit_code == 0
    assert snapshot(data) == run["before"]
    # the prepared data went to the datasets cache instead, where a later run finds it
    assert list((root / "hf-cache" / CACHE_FOLDER).glob("cache-*.arrow"))


def test_evaluate_draws_its_plot_beside_the_model_and_says_where(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("evaluate", run["model"], run["data"])
    assert result.exit_code == 0, result.output
    expected = run["model"] / "reward-distribution.png"
    assert f"plot: {expected}" in result.output
    assert expected.is_file() and not list(tmp_path.iterdir())
    report = json.loads(invoke("evaluate", run["model"], run["data"], "--json").stdout)
    assert report["plot"] == str(expected)
    elsewhere = tmp_path / "plots" / "d.png"
    assert f"plot: {elsewhere}" in invoke("evaluate", run["model"], run["data"], "--plot", elsewhere).output
    assert elsewhere.is_file()


@pytest.mark.parametrize("name", ["scores.jsonl", "scores.parquet", "scores"])
def test_score_refuses_to_overwrite_without_the_flag(run, tmp_path, name):
    target = tmp_path / name
    assert invoke("score", run["model"], run["data"], target, "--split", "test").exit_code == 0
    first = snapshot(tmp_path)
    again = invoke("score", run["model"], run["data"], target)
    assert again.exit_code == 2
    kind = "folder" if name == "scores" else "file"
    # the same words as `prefdata convert` uses for its output folder
    assert (
        f"output {kind} already exists" in again.output and "pass --overwrite to replace it" in again.output
    )
    assert snapshot(tmp_path) == first
    replaced = invoke("score", run["model"], run["data"], target, "--overwrite")
    assert replaced.exit_code == 0, replaced.output
    assert "scored 32 pairs" in replaced.output and snapshot(tmp_path) != first
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no staging left beside it


def test_score_overwrite_replaces_only_earlier_scores(run, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    result = invoke("score", run["model"], run["data"], tmp_path / "mine", "--overwrite")
    assert result.exit_code == 2 and "not a saved dataset" in result.output
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_progress_bar_on_request_only(tiny_model_dir, capsys):
    model, tokenizer = load(tiny_model_dir)
    data = Dataset.from_dict({"prompt": ["Q:"] * 3, "chosen": [" yes"] * 3, "rejected": [" no"] * 3})
    quiet = score_pairs(model, tokenizer, data, batch_size=2)
    assert "response" not in capsys.readouterr().err
    shown = score_pairs(model, tokenizer, data, batch_size=2, progress=True, desc="Evaluating")
    err = capsys.readouterr().err
    assert "Evaluating" in err and "6/6" in err and "response" in err
    assert shown == quiet


def test_cli_without_a_terminal_draws_no_progress_bar(run):
    result = invoke("evaluate", run["model"], run["data"], "--no-plot")
    assert result.exit_code == 0 and "Evaluating" not in result.output


def _blue_pixels(png: Path) -> int:
    """Pixels of matplotlib's `tab:blue` (the gap bars) in the right half of the image."""
    image = imread(png)[:, :, :3]
    right = image[:, image.shape[1] // 2 :]
    return int((np.abs(right - np.array([0x1F, 0x77, 0xB4]) / 255).max(axis=2) < 0.05).sum())


def test_gap_histogram_shows_bars_when_gaps_lie_close_together_far_from_zero(tmp_path):
    rng = np.random.default_rng(0)
    chosen, rejected = rng.normal(2.6, 0.01, 270), rng.normal(-2.6, 0.01, 270)
    png = plot_reward_distribution(chosen.tolist(), rejected.tolist(), tmp_path / "d.png")
    assert _blue_pixels(png) > 2000  # one bar at 5.2, 270 high: a sliver of a pixel before the fix


def test_a_fit_that_fails_midway_removes_the_output_folder_it_created(run, tmp_path, monkeypatch):
    """Nothing half-made is left: the folder this run created goes; one that was there stays."""

    def fail(self, *args, **kwargs):
        Path(self.args.output_dir, "runs").mkdir(parents=True, exist_ok=True)  # the trainer's first files
        raise RuntimeError("out of memory")

    monkeypatch.setattr(RewardTrainer, "train", fail)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "notes.txt").write_text("mine")
    for out in (tmp_path / "new", tmp_path / "old"):
        with pytest.raises(RuntimeError, match="out of memory"):
            fit(run["data"], str(run["tiny"]), out, fast_config(out))
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in (tmp_path / "old").iterdir()) == ["notes.txt", "runs"]
