"""The model card (`README.md`) written beside a saved reward model: how it was made, how to use it."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

HYPERPARAMETERS = (
    "learning_rate",
    "num_train_epochs",
    "max_steps",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "max_length",
    "truncation_mode",
    "center_rewards_coefficient",
    "lr_scheduler_type",
    "warmup_steps",
    "seed",
)

USAGE = """\
```python
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

model = AutoModelForSequenceClassification.from_pretrained("{path}")
tokenizer = AutoTokenizer.from_pretrained("{path}")
{chat}
inputs = tokenizer(text, return_tensors="pt")
with torch.no_grad():
    reward = model(**inputs).logits[0, 0].item()

# or, one score per text:
scorer = pipeline("text-classification", model="{path}", function_to_apply="none")
print(scorer(text))
```

A higher reward means a more preferred answer; compare rewards of answers to the same prompt.
{pad_note}"""

CHAT_USAGE = """\
messages = [{"role": "user", "content": "What is 2 + 2?"}, {"role": "assistant", "content": "4"}]
text = tokenizer.apply_chat_template(messages, tokenize=False)"""

TEXT_USAGE = 'text = "Question: What is 2 + 2?\\nAnswer: 4" + tokenizer.eos_token'

PAD_NOTE = """
Training read each reward at the sequence's last real token (found with the attention mask).
This tokenizer pads with its end-of-sequence token, and transformers' own pooling skips every
trailing pad-id token, so for texts ending in that token `model(...)` reads one token earlier;
`prefdata_train._modeling.rewards.compute_rewards` reads where training did.
"""


def render_model_card(info: dict[str, Any]) -> str:
    """Markdown for `info` (base_model, datasets, args, metrics, peft, chat, pad_is_eos, path)."""
    lines = ["---", "library_name: transformers", "tags: [reward-model, prefdata]"]
    if info.get("base_model"):
        lines.append(f"base_model: {info['base_model']}")
    lines += ["---", "", "# Reward model", ""]
    lines.append(
        "A Bradley-Terry reward model trained with `prefdata_train.RewardTrainer` on preference pairs: "
        "loss = -log sigmoid(r_chosen - r_rejected - margin), read at each sequence's last token."
    )
    lines += ["", "## Training", "", f"- base model: `{info.get('base_model') or 'unknown'}`"]
    if info.get("peft"):
        lines.append(f"- adapter: {info['peft']} (the folder holds the adapter and the `score` head)")
    for name, rows in (info.get("datasets") or {}).items():
        lines.append(f"- data `{name}`: {rows}")
    lines += ["", "| hyper-parameter | value |", "| --- | --- |"]
    lines += [f"| {k} | {_fmt(v)} |" for k, v in (info.get("args") or {}).items()]
    if info.get("metrics"):
        lines += ["", "## Final metrics", "", "| metric | value |", "| --- | --- |"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in info["metrics"].items()]
    usage = USAGE.format(
        path=info.get("path", "path/to/model"),
        chat=CHAT_USAGE if info.get("chat") else TEXT_USAGE,
        pad_note=PAD_NOTE if info.get("pad_is_eos") else "",
    )
    lines += ["", "## Use", "", usage]
    return "\n".join(lines)


def write_model_card(out_dir: str | Path, info: dict[str, Any]) -> Path:
    """Write `README.md` in `out_dir` and return its path."""
    path = Path(out_dir) / "README.md"
    path.write_text(render_model_card(info), encoding="utf-8")
    return path


def final_metrics(log_history: list[dict[str, Any]]) -> dict[str, float]:
    """The last logged value of each metric (train loss, eval metrics), runtime figures left out."""
    metrics: dict[str, float] = {}
    for entry in log_history:
        for key, value in entry.items():
            if isinstance(value, (int, float)) and not key.endswith(("_per_second", "runtime", "flos")):
                metrics[key] = value
    metrics.pop("step", None)
    return metrics


def _fmt(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    return f"{value:.4g}" if isinstance(value, float) else str(value)
