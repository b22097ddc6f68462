"""A word-level fast tokenizer built locally with `tokenizers` (no download)."""

from __future__ import annotations

from pathlib import Path

TEMPLATE = (
    "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] or '' }}"
    "{% if m.get('tool_calls') %}{% for c in m['tool_calls'] %}[call {{ c['function']['name'] }}]"
    "{% endfor %}{% endif %}"
    "</s>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}"
)
# Renders text only: tool calls vanish, which the template check must catch.
TEXT_ONLY = "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] or '' }}</s>{% endfor %}"


def build_tokenizer(folder: Path, *, chat_template: str | None = TEMPLATE, pad_is_eos: bool = False) -> Path:
    """Save a tiny tokenizer in `folder` and return it."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = ["<unk>", "<pad>", "</s>"] + [f"w{i}" for i in range(50)]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="<unk>",
        eos_token="</s>",
        pad_token="</s>" if pad_is_eos else "<pad>",
    )
    if chat_template:
        tok.chat_template = chat_template
    tok.save_pretrained(str(folder))
    return folder
