"""Untrusted tokenizers, chat templates and model folders: nothing in them runs.

- chat templates render in transformers' sandboxed Jinja: a template reaching for Python
  internals fails with a clean PrefdataError caused by jinja2's SecurityError (through
  prefdata_train's tokenisation, through
  `RewardConfig.chat_template_path`) or a finding (`prefdata validate --tokenizer`);
- a model folder's `auto_map` (custom code) is not imported unless the user passes
  `trust_remote_code=True`;
- prefdata loads weights from safetensors only: a folder with only `pytorch_model.bin`
  (a pickle, which can run code) is refused with a clear message.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jinja2
import pytest
import torch
from click.testing import CliRunner
from datasets import Dataset

from prefdata._cli import main
from prefdata._errors import PrefdataError
from prefdata_train import RewardConfig
from prefdata_train._data.preprocessing import tokenize_pairs
from prefdata_train._modeling.model_loading import load_model, load_reward_model, load_tokenizer
from prefdata_train._workflows.tiny_model import build_tiny_model

# Each would touch MARKER if the template could reach Python.
EVIL_TEMPLATES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "{% for m in messages %}{{ m.__class__.__init__.__globals__['os'].system('touch MARKER') }}{% endfor %}",
]
ROWS = [
    {
        "prompt": [{"role": "user", "content": "hello there"}],
        "chosen": [{"role": "assistant", "content": "the capital"}],
        "rejected": [{"role": "assistant", "content": "no idea"}],
    }
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    texts = ["hello there the capital is paris", "no idea at all", "user assistant system"] * 20
    return build_tiny_model(out, texts, vocab_size=120, hidden_size=16, num_layers=1, seed=0)


def evil_template(template: str, marker: Path) -> str:
    return template.replace("MARKER", str(marker))


@pytest.mark.parametrize("template", EVIL_TEMPLATES)
def test_tokenising_with_an_evil_template_fails_without_running_it(model_dir, tmp_path, template):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.chat_template = evil_template(template, tmp_path / "MARKER")
    with pytest.raises(PrefdataError, match="unsafe") as caught:
        tokenize_pairs(Dataset.from_list(ROWS), tokenizer)
    assert isinstance(caught.value.__cause__, jinja2.exceptions.SecurityError)
    assert not (tmp_path / "MARKER").exists()


def test_chat_template_path_with_an_evil_template(model_dir, tmp_path):
    path = tmp_path / "evil.jinja"
    path.write_text(evil_template(EVIL_TEMPLATES[1], tmp_path / "MARKER"))
    args = RewardConfig(
        output_dir=str(tmp_path / "o"), chat_template_path=str(path), use_cpu=True, report_to="none"
    )
    tokenizer = load_tokenizer(str(model_dir), None, args)
    with pytest.raises(PrefdataError, match="chat template") as caught:
        tokenize_pairs(Dataset.from_list(ROWS), tokenizer)
    assert isinstance(caught.value.__cause__, jinja2.exceptions.SecurityError)
    assert not (tmp_path / "MARKER").exists()


@pytest.mark.parametrize("template", EVIL_TEMPLATES)
def test_validate_reports_an_evil_template_as_a_finding(model_dir, tmp_path, template):
    tok_dir = tmp_path / "tok"
    shutil.copytree(model_dir, tok_dir)
    config = json.loads((tok_dir / "tokenizer_config.json").read_text())
    config["chat_template"] = evil_template(template, tmp_path / "MARKER")
    (tok_dir / "tokenizer_config.json").write_text(json.dumps(config))
    (tok_dir / "chat_template.jinja").unlink(missing_ok=True)
    data = tmp_path / "data"
    Dataset.from_list(ROWS).save_to_disk(str(data))
    result = CliRunner().invoke(main, ["validate", str(data), "--tokenizer", str(tok_dir)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "unsafe" in result.output
    assert not (tmp_path / "MARKER").exists()


def _with_remote_code(model_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the model whose config maps the auto classes to a module that writes a marker."""
    folder = tmp_path / "remote"
    shutil.copytree(model_dir, folder)
    marker = tmp_path / "IMPORTED"
    (folder / "evil_modeling.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
        "from transformers import Qwen3ForSequenceClassification as EvilModel\n"
    )
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModelForSequenceClassification": "evil_modeling.EvilModel"}
    (folder / "config.json").write_text(json.dumps(config))
    return folder, marker


def test_remote_code_is_not_run_by_the_trainer_loader(model_dir, tmp_path):
    folder, marker = _with_remote_code(model_dir, tmp_path)
    args = RewardConfig(output_dir=str(tmp_path / "o"), use_cpu=True, report_to="none")
    model = load_model(str(folder), args)
    assert type(model).__name__ == "Qwen3ForSequenceClassification"
    assert not marker.exists()


def test_remote_code_is_not_run_by_load_reward_model(model_dir, tmp_path):
    folder, marker = _with_remote_code(model_dir, tmp_path)
    model, _ = load_reward_model(folder)
    assert type(model).__name__ == "Qwen3ForSequenceClassification"
    assert not marker.exists()


def _pickled_only(model_dir: Path, tmp_path: Path) -> Path:
    """The model with its weights as pytorch_model.bin only (a pickle)."""
    from safetensors.torch import load_file

    folder = tmp_path / "pickled"
    shutil.copytree(model_dir, folder)
    weights = folder / "model.safetensors"
    torch.save(load_file(weights), folder / "pytorch_model.bin")
    weights.unlink()
    return folder


def test_pickled_weights_are_refused_by_the_trainer_loader(model_dir, tmp_path):
    folder = _pickled_only(model_dir, tmp_path)
    args = RewardConfig(output_dir=str(tmp_path / "o"), use_cpu=True, report_to="none")
    with pytest.raises(PrefdataError, match="pytorch_model.bin") as err:
        load_model(str(folder), args)
    assert "safetensors" in err.value.fix


def test_pickled_weights_are_refused_by_load_reward_model(model_dir, tmp_path):
    with pytest.raises(PrefdataError, match="pickled"):
        load_reward_model(_pickled_only(model_dir, tmp_path))
