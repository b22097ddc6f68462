"""Build a tiny, randomly initialised reward model and its tokenizer, entirely offline.

Tests, examples and benchmarks use it instead of downloading a checkpoint: a byte-level BPE
tokenizer is trained on the given texts, wrapped with ChatML special tokens and a chat template
that renders tools and tool calls, and a small sequence-classification model (`num_labels=1`)
is saved beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from prefdata._errors import PrefdataError

# `<|pad|>` is spare: callers who need pad != eos (e.g. to compare with pad-id pooling) set it.
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<|pad|>"]

# ChatML, as Qwen writes it, kept small. Tool-call arguments are JSON text in canonical data but
# may be a mapping elsewhere, so both are rendered as JSON.
CHAT_TEMPLATE = """\
{%- if tools %}
{{- '<|im_start|>system\\n' }}
{%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}
{{- '# Tools\\n<tools>' }}
{%- for tool in tools %}{{- '\\n' + (tool if tool is string else tool|tojson) }}{%- endfor %}
{{- '\\n</tools><|im_end|>\\n' }}
{%- elif messages[0].role == 'system' %}
{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
{%- if message.role == 'system' %}{%- if not loop.first %}
{{- '<|im_start|>system\\n' + message.content + '<|im_end|>\\n' }}
{%- endif %}
{%- elif message.role == 'tool' %}
{{- '<|im_start|>user\\n<tool_response>\\n' + (message.content or '') + '\\n</tool_response><|im_end|>\\n' }}
{%- else %}
{{- '<|im_start|>' + message.role + '\\n' + (message.content or '') }}
{%- for call in message.tool_calls or [] %}
{%- set fn = call.function if call.function is defined else call %}
{%- set arguments = fn.arguments %}
{{- '\\n<tool_call>\\n{"name": "' + fn.name + '", "arguments": ' }}
{{- arguments if arguments is string else arguments|tojson }}
{{- '}\\n</tool_call>' }}
{%- endfor %}
{{- '<|im_end|>\\n' }}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}
"""


def build_tiny_model(
    out_dir: str | Path,
    texts: Iterable[str],
    *,
    vocab_size: int = 1000,
    hidden_size: int = 64,
    num_layers: int = 2,
    arch: Literal["qwen3", "llama"] = "qwen3",
    seed: int = 0,
) -> Path:
    """Train a tokenizer on `texts`, build a random reward model, save both to `out_dir`.

    The folder then loads offline with `AutoTokenizer.from_pretrained(out_dir)` and
    `AutoModelForSequenceClassification.from_pretrained(out_dir)` (one output: the reward).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(texts, vocab_size=vocab_size)
    model = _build_model(tokenizer, hidden_size=hidden_size, num_layers=num_layers, arch=arch, seed=seed)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return out


def build_tokenizer(texts: Iterable[str], *, vocab_size: int = 1000):
    """Train a byte-level BPE tokenizer with ChatML special tokens and a tool-aware chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator((t for t in texts if t), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=SPECIAL_TOKENS[1:],
        padding_side="right",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def _build_model(tokenizer, *, hidden_size: int, num_layers: int, arch: str, seed: int):
    """A randomly initialised sequence-classification model sized for `tokenizer`."""
    import torch
    from transformers import AutoModelForSequenceClassification, LlamaConfig, Qwen3Config

    configs = {"qwen3": Qwen3Config, "llama": LlamaConfig}
    if arch not in configs:
        raise PrefdataError(f"unknown architecture {arch!r}", fix=f"use one of {sorted(configs)}")
    heads = max(1, hidden_size // 16)
    config = configs[arch](
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=num_layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        head_dim=hidden_size // heads,
        max_position_embeddings=2048,
        num_labels=1,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_config(config)
    # The pad row starts at zero (padding_idx). Pad is also EOS here, where rewards are read, and a
    # zero input there gives a zero query: attention would get no gradient. A pretrained model's
    # EOS row is non-zero, so give it random values like every other row.
    with torch.no_grad():
        model.get_input_embeddings().weight[tokenizer.pad_token_id].normal_(0.0, config.initializer_range)
    return model
