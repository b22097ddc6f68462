"""Tokenise preference pairs: TRL's four dataset shapes, or ids tokenised already.

| shape                      | prompt           | chosen / rejected      |
| -------------------------- | ---------------- | ---------------------- |
| standard, implicit prompt  | (absent)         | "Q: hi A: hello"       |
| standard, explicit prompt  | "Q: hi A:"       | " hello"               |
| conversational, implicit   | (absent)         | [user msg, asst msg]   |
| conversational, explicit   | [user msg]       | [asst msg]             |
| pre-tokenised              | (ignored)        | `chosen_ids` / `rejected_ids` lists of ints |

The prompt is joined before tokenising, so each side is one sequence. Conversational rows are
rendered with the tokenizer's chat template, with the row's `tools` (a list, or JSON text as in
canonical data) and `chat_template_kwargs`; null message keys are dropped first (in canonical
data a null means the key is absent). Standard text gets the EOS token appended when missing.

Tokenisation runs as a batched `map` (standard text goes to the fast tokenizer a batch at a
time; `dataset_num_proc` processes in parallel), named by `tokenisation_fingerprint` so that a
dataset read from disk is tokenised once and then loaded from the datasets cache. With a
length-grouped sampler, `prepare_dataset` adds a `length` column (chosen + rejected tokens).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pyarrow.compute as pc
from datasets import Dataset, IterableDataset

from prefdata._errors import PrefdataError
from prefdata.records.messages import strip_absent
from prefdata_train._data.map_cache import map_kwargs
from prefdata_train._data.truncation import DropCounter, common_prefix, limit_lengths, truncate_pair

TOKENISED_COLUMNS = ("chosen_ids", "rejected_ids")
# Part of the tokenisation fingerprint: bump it when the tokenised output of the same inputs changes.
TOKENISATION_VERSION = "prefdata-tokenise-1"
# Samplers of transformers that read a precomputed length column.
LENGTH_SAMPLERS = ("group_by_length", "batch_rebalance")


def is_conversational(example: dict[str, Any]) -> bool:
    """True when `chosen` is a list of messages rather than text."""
    chosen = example.get("chosen")
    return isinstance(chosen, list) and bool(chosen) and isinstance(chosen[0], dict)


def column_names(dataset: Dataset | IterableDataset) -> list[str]:
    """Column names of a dataset, peeking at the first row when a stream does not declare them."""
    if dataset.column_names is not None:
        return list(dataset.column_names)
    return list(next(iter(dataset)).keys())


def is_tokenised(dataset: Dataset | IterableDataset) -> bool:
    """True when the dataset already holds `chosen_ids` and `rejected_ids`."""
    return all(c in column_names(dataset) for c in TOKENISED_COLUMNS)


def tokenize_pairs(
    dataset: Dataset | IterableDataset,
    tokenizer: Any,
    max_length: int | None = None,
    *,
    eos_token: str | None = None,
    num_proc: int | None = None,
    with_prompt_length: bool = False,
) -> Dataset | IterableDataset:
    """Add `chosen_ids` and `rejected_ids` to every row (other columns are kept).

    With `max_length`, a longer pair is truncated (end of the prompt and start of each
    completion kept, see `prefdata_train._data.truncation`); no row is dropped, so the output lines up
    with the input row for row (what scoring needs). `with_prompt_length` adds `prompt_length`,
    the number of leading tokens that belong to an explicit prompt (else omitted).
    """
    if is_tokenised(dataset):
        return _truncated(dataset, max_length, num_proc) if max_length else dataset
    fn_kwargs = {
        "tokenizer": tokenizer,
        "eos_token": eos_token or tokenizer.eos_token,
        "with_prompt_length": with_prompt_length or max_length is not None,
    }
    kwargs: dict[str, Any] = {"fn_kwargs": fn_kwargs, "batched": True}
    if isinstance(dataset, Dataset):
        # Our own fingerprint: datasets cannot hash most tokenizers stably, and would then neither
        # reuse a cached result nor notice that the tokenizer or its template changed.
        fingerprint = tokenisation_fingerprint(
            dataset, tokenizer, fn_kwargs["eos_token"], fn_kwargs["with_prompt_length"]
        )
        kwargs.update(num_proc=num_proc, desc="Tokenising preference pairs")
        kwargs.update(map_kwargs(dataset, "tokenise", fingerprint=fingerprint))
    dataset = dataset.map(_tokenize_batch, **kwargs)
    return _truncated(dataset, max_length, num_proc) if max_length else dataset


def tokenize_completions(
    prompts: list[Any],
    completions: list[list[Any]],
    tokenizer: Any,
    max_length: int | None = None,
    truncated: list[int] | None = None,
) -> list[list[list[int]]]:
    """Token ids of `prompts[i]` followed by each of `completions[i]`, as one side of a pair is tokenised.

    A prompt is text, a list of messages, or None (implicit: the completion holds the whole
    text or conversation); a completion is text or a list of messages. Same chat template, EOS
    and truncation as `tokenize_pairs`: with `max_length`, the sequences of a group are cut
    together, keeping the end of their shared prompt and the start of each completion (for two
    completions exactly `truncate_pair`); no sequence is dropped. `truncated`, when given, receives
    the number of each group that was cut.
    """
    if len(prompts) != len(completions):
        raise PrefdataError(
            f"{len(prompts)} prompts but {len(completions)} lists of completions",
            fix="pass one list of completions per prompt",
        )
    eos_token = tokenizer.eos_token
    groups = []
    for number, (prompt, group) in enumerate(zip(prompts, completions, strict=True)):
        ids, prompt_ids = _group_ids(prompt, group, tokenizer, eos_token, number)
        if max_length is not None and any(len(seq) > max_length for seq in ids):
            ids = _truncate_group(ids, max_length, prompt_ids)
            if truncated is not None:
                truncated.append(number)
        groups.append(ids)
    return groups


def _group_ids(prompt: Any, group: list[Any], tokenizer: Any, eos_token: str, number: int):
    """Ids of each full sequence of one group, and of its prompt alone (None when implicit)."""
    if not group:
        return [], None
    chat = all(isinstance(c, list) for c in group)
    text = all(isinstance(c, str) for c in group)
    if not (chat or text) or not (prompt is None or isinstance(prompt, list if chat else str)):
        raise PrefdataError(
            f"group {number} mixes text and message lists (or holds something else)",
            fix="give the prompt (or None) and all completions of a group as text, or all as messages",
        )
    if chat:
        messages = [strip_absent(m) for m in (prompt if isinstance(prompt, list) else [])]
        ids = [_chat_ids(tokenizer, messages + [strip_absent(m) for m in c], {"tools": None}) for c in group]
        prompt_ids = (
            _chat_ids(tokenizer, messages, {"tools": None, "add_generation_prompt": True})
            if messages
            else None
        )
        return ids, prompt_ids
    texts = [(prompt or "") + (c if c.endswith(eos_token) else c + eos_token) for c in group]
    ids = [list(x) for x in tokenizer(text=texts)["input_ids"]]
    return ids, tokenizer(text=prompt)["input_ids"] if prompt else None


def _truncate_group(ids: list[list[int]], max_length: int, prompt_ids: list[int] | None) -> list[list[int]]:
    """`truncate_pair`'s rule for any number of sequences: the prompt's end and each answer's start."""
    if not ids or max(len(x) for x in ids) <= max_length:
        return ids
    shared = min((common_prefix(ids[0], other) for other in ids[1:]), default=len(ids[0]))
    if prompt_ids is not None:
        shared = min(shared, *(common_prefix(prompt_ids, x) for x in ids))
    longest_answer = max(len(x) for x in ids) - shared
    keep_prompt = min(shared, max(max_length - longest_answer, max_length // 2))
    budget = max_length - keep_prompt
    head = list(ids[0][shared - keep_prompt : shared])
    return [head + list(x[shared : shared + budget]) for x in ids]


def _truncated(dataset, max_length: int, num_proc: int | None):
    """Truncate every pair to `max_length` tokens, keeping every row."""

    def cut(example):
        chosen, rejected = truncate_pair(
            example["chosen_ids"], example["rejected_ids"], max_length, example.get("prompt_length")
        )
        return {"chosen_ids": chosen, "rejected_ids": rejected}

    kwargs = {"num_proc": num_proc} if isinstance(dataset, Dataset) else {}
    return dataset.map(cut, **kwargs, **map_kwargs(dataset, "truncate", max_length))


def tokenisation_fingerprint(
    dataset: Dataset, tokenizer: Any, eos_token: str, with_prompt_length: bool
) -> str:
    """A digest of the data, the tokenizer (vocabulary, special tokens, chat template) and the options.

    It names the tokenised dataset, so a dataset read from disk is tokenised once and later runs
    load the result from the datasets cache; any change to one of the inputs makes a new name.
    """
    backend = getattr(tokenizer, "backend_tokenizer", None)
    vocabulary = (
        backend.to_str() if backend is not None else json.dumps(sorted(tokenizer.get_vocab().items()))
    )
    parts = [
        TOKENISATION_VERSION,
        dataset._fingerprint,
        vocabulary,
        str(getattr(tokenizer, "chat_template", None)),
        json.dumps(tokenizer.special_tokens_map, sort_keys=True, default=str),
        eos_token,
        str(with_prompt_length),
    ]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()[:32]


def _tokenize_batch(batch: dict[str, list[Any]], tokenizer: Any, eos_token: str, with_prompt_length: bool):
    """`_tokenize_example` over a batch; standard text goes through the tokenizer in one call."""
    rows = [dict(zip(batch, values, strict=True)) for values in zip(*batch.values(), strict=True)]
    texts = [_standard_texts(row, eos_token) for row in rows if not is_conversational(row)]
    encoded = iter(tokenizer(text=[t for three in texts for t in three if t])["input_ids"]) if texts else None
    out: dict[str, list[Any]] = {"chosen_ids": [], "rejected_ids": []}
    if with_prompt_length:
        out["prompt_length"] = []
    for row in rows:
        ids: tuple[list[int], list[int], list[int] | None]
        if is_conversational(row) or encoded is None:
            ids = _conversational_ids(row, tokenizer)
        else:
            ids = (next(encoded), next(encoded), next(encoded) if row.get("prompt") else None)
        for key, value in _example_columns(*ids, with_prompt_length).items():
            out[key].append(value)
    return out


def _tokenize_example(example: dict[str, Any], tokenizer: Any, eos_token: str, with_prompt_length: bool):
    """Token ids of one pair (and the prompt's token count when asked and the prompt is explicit)."""
    if is_conversational(example):
        chosen, rejected, prompt = _conversational_ids(example, tokenizer)
    else:
        chosen, rejected, prompt = _standard_ids(example, tokenizer, eos_token)
    return _example_columns(chosen, rejected, prompt, with_prompt_length)


def _example_columns(
    chosen: list[int], rejected: list[int], prompt: list[int] | None, with_prompt_length: bool
):
    out: dict[str, Any] = {"chosen_ids": chosen, "rejected_ids": rejected}
    if with_prompt_length:
        # Templates may render a prompt alone differently from a prompt followed by an answer,
        # so the prompt ends where its tokens stop matching both full sequences.
        out["prompt_length"] = (
            min(common_prefix(prompt, chosen), common_prefix(prompt, rejected))
            if prompt is not None
            else None
        )
    return out


def _standard_ids(example: dict[str, Any], tokenizer: Any, eos_token: str):
    """Ids of prompt + chosen and prompt + rejected text, EOS-terminated like TRL."""
    chosen, rejected, prompt = _standard_texts(example, eos_token)
    chosen_ids, rejected_ids = (tokenizer(text=t)["input_ids"] for t in (chosen, rejected))
    return chosen_ids, rejected_ids, tokenizer(text=prompt)["input_ids"] if prompt else None


def _standard_texts(example: dict[str, Any], eos_token: str) -> tuple[str, str, str | None]:
    """Texts prompt + chosen and prompt + rejected, each ending with `eos_token`, and the prompt."""
    prompt = example.get("prompt")
    texts = []
    for side in ("chosen", "rejected"):
        text = example[side]
        if not isinstance(text, str):
            raise PrefdataError(f"column `{side}` holds {type(text).__name__}, expected text or messages")
        if not text.endswith(eos_token):
            text += eos_token
        texts.append((prompt or "") + text)
    return texts[0], texts[1], prompt or None


def _conversational_ids(example: dict[str, Any], tokenizer: Any):
    """Ids of the chat-templated conversations prompt + chosen and prompt + rejected."""
    kwargs = template_kwargs(example)
    prompt = [strip_absent(m) for m in example.get("prompt") or []]
    chosen = _chat_ids(tokenizer, prompt + [strip_absent(m) for m in example["chosen"]], kwargs)
    rejected = _chat_ids(tokenizer, prompt + [strip_absent(m) for m in example["rejected"]], kwargs)
    prompt_ids = _chat_ids(tokenizer, prompt, {**kwargs, "add_generation_prompt": True}) if prompt else None
    return chosen, rejected, prompt_ids


def template_kwargs(example: dict[str, Any]) -> dict[str, Any]:
    """Chat-template arguments of one row: its `tools` (JSON text or list) and `chat_template_kwargs`."""
    tools = example.get("tools")
    if isinstance(tools, str):
        try:
            tools = json.loads(tools)
        except json.JSONDecodeError as err:
            raise PrefdataError(
                f"`tools` is not valid JSON: {err}", fix="store tools as a JSON list"
            ) from err
    extra = {k: v for k, v in (example.get("chat_template_kwargs") or {}).items() if v is not None}
    return {"tools": tools or None, **extra}


def _chat_ids(tokenizer: Any, messages: list[dict[str, Any]], kwargs: dict[str, Any]) -> list[int]:
    """Token ids of `messages` rendered with the tokenizer's chat template (run in Jinja's sandbox)."""
    import jinja2

    if not getattr(tokenizer, "chat_template", None):  # transformers would raise a bare ValueError
        raise PrefdataError(
            "the data holds conversations (message lists) but the tokenizer has no chat template",
            where="chat template",
            fix="give the model folder a tokenizer with a chat template, or pass --chat-template-path "
            "FILE.jinja to fit",
        )
    try:
        encoded = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True, **kwargs)
    except jinja2.TemplateError as err:  # SecurityError included: a template reaching for internals
        raise PrefdataError(
            f"the chat template failed on a row: {type(err).__name__}: {err}",
            where="chat template",
            fix="fix or replace the template (chat_template_path), or check the row's messages and tools",
        ) from err
    return list(encoded["input_ids"])


def prepare_dataset(
    dataset: Dataset | IterableDataset, tokenizer: Any, args: Any, counter: DropCounter
) -> Dataset | IterableDataset:
    """Tokenise `dataset` and apply `args.max_length` as `args.truncation_mode` says; drops go to `counter`.

    `args` is a `RewardConfig` (reads `eos_token`, `dataset_num_proc`, `max_length`, `truncation_mode`).
    """
    if not isinstance(dataset, (Dataset, IterableDataset)):
        raise PrefdataError(
            f"expected a datasets.Dataset or IterableDataset, got {type(dataset).__name__}",
            fix="load the data with `datasets` or pass the path of a prefdata canonical folder",
        )
    truncating = args.truncation_mode == "keep_end_of_prompt" and args.max_length is not None
    dataset = tokenize_pairs(
        dataset,
        tokenizer,
        eos_token=args.eos_token,
        num_proc=args.dataset_num_proc,
        with_prompt_length=truncating,
    )
    dataset = limit_lengths(dataset, args.max_length, args.truncation_mode, counter, args.dataset_num_proc)
    if getattr(args, "train_sampling_strategy", None) in LENGTH_SAMPLERS:
        dataset = with_lengths(dataset, getattr(args, "length_column_name", "length"))
    return dataset


def with_lengths(dataset: Dataset | IterableDataset, column: str = "length") -> Dataset | IterableDataset:
    """Add `column`: tokens of a pair, chosen + rejected, for length-grouped sampling.

    Computed once, from the Arrow lists without reading ids into Python; a stream gets it row by row.
    """
    if isinstance(dataset, IterableDataset):
        return dataset.map(lambda row: {column: len(row["chosen_ids"]) + len(row["rejected_ids"])})
    table = dataset.select_columns(list(TOKENISED_COLUMNS)).with_format("arrow")[:]
    lengths = pc.add(pc.list_value_length(table["chosen_ids"]), pc.list_value_length(table["rejected_ids"]))
    if column in dataset.column_names:
        dataset = dataset.remove_columns(column)
    return dataset.add_column(column, lengths.to_numpy(zero_copy_only=False))
