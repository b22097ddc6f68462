"""Token checks with a tokenizer (imports transformers; loaded only with `--tokenizer`).

Lengths are counted on what a reward trainer sees: the prompt alone, and prompt + chosen /
prompt + rejected (the concatenated text for standard data, the chat template rendering
for conversational data).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from prefdata._errors import SourceError
from prefdata._validate.batch import BatchView
from prefdata._validate.checks.base import Check
from prefdata._validate.encoding import ENCODE_ROWS, Encoded, encode
from prefdata._validate.finding_sink import FindingSink, excerpt
from prefdata._validate.lengths import LengthCounts
from prefdata._validate.report import Example, SideStats, SplitStats
from prefdata._validate.time_limit import TimeLimitExceeded, time_limit
from prefdata.records.messages import strip_absent

# One row's chat template rendering may take this long; a real template takes milliseconds.
RENDER_SECONDS = 10.0


def load_tokenizer(name_or_path: Any) -> Any:
    """A transformers tokenizer from a path or Hub id (objects are returned unchanged)."""
    if not isinstance(name_or_path, str) and not hasattr(name_or_path, "__fspath__"):
        return name_or_path
    _check_local_tokenizer(Path(name_or_path))
    try:
        from transformers import AutoTokenizer
    except ImportError:
        raise SourceError(
            "--tokenizer needs the transformers package, which the light install leaves out",
            fix='pip install "prefdata[train]" (or pip install transformers)',
        ) from None
    try:
        return AutoTokenizer.from_pretrained(str(name_or_path))
    except (OSError, ValueError) as exc:
        raise SourceError(
            f"cannot load the tokenizer: {exc}",
            where=str(name_or_path),
            fix="give a local tokenizer folder (or a Hub id when online)",
        ) from None


# A local tokenizer folder holds at least one of these (fast, slow and sentencepiece tokenizers).
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.json",
    "vocab.txt",
    "tokenizer.model",
    "spiece.model",
    "sentencepiece.bpe.model",
)


def _check_local_tokenizer(path: Path) -> None:
    """Refuse a local path that is no tokenizer (a data folder, a file) with that reason, rather than
    transformers' guess about missing converters; a path that does not exist may be a Hub id."""
    if path.is_file():
        raise SourceError(
            "--tokenizer is a file; a tokenizer is a folder (holding tokenizer.json or tokenizer_config.json)",
            where=str(path),
            fix="give the folder the tokenizer was saved to (`save_pretrained`)",
        )
    if path.is_dir() and not any((path / name).is_file() for name in TOKENIZER_FILES):
        raise SourceError(
            f"--tokenizer is not a tokenizer folder: it holds none of {', '.join(TOKENIZER_FILES)}",
            where=str(path),
            fix="give the folder the tokenizer was saved to (`save_pretrained`), or a model folder",
        )


class TokenCheck(Check):
    """`tokens.*`: lengths, `--max-length` problems, pad/EOS and chat-template problems."""

    def __init__(self, tokenizer: Any, max_length: int | None) -> None:
        self.tok = load_tokenizer(tokenizer)
        self.template_stopped = ""  # why rendering stopped (a template over its time), once it has
        self.max_length = max_length
        self.counts: dict[str, dict[str, LengthCounts]] = {}
        self.started = False

    def update(self, view: BatchView, sink: FindingSink) -> None:
        if not self.started:
            self.started = True
            self._tokenizer_findings(view, sink)
        if view.shape.format == "conversational" and not self.tok.chat_template:
            return
        for start in range(0, len(view), ENCODE_ROWS):  # small calls: see prefdata._validate.encoding
            self._update_rows(view.slice(start, ENCODE_ROWS), sink)

    def _update_rows(self, view: BatchView, sink: FindingSink) -> None:
        if view.shape.format == "conversational":
            texts, ok = self._render(view, sink)
            enc = {side: encode(self.tok, values, special=False) for side, values in texts.items()}
            lengths = {side: e.lengths for side, e in enc.items()}
            cut = np.zeros(len(view), dtype=np.int64)  # full renderings: compare from token 0
        else:
            # Prompt and completions are tokenized apart and their ids concatenated, as TRL's
            # DPO tokenization does: the prompt is tokenized once, not once per side. Special
            # tokens (BOS...) go only on the first piece of a sequence, the prompt.
            texts, ok = _standard_texts(view), np.ones(len(view), bool)
            enc = {side: encode(self.tok, values, special=side == "prompt") for side, values in texts.items()}
            cut = enc["prompt"].lengths
            lengths = {
                "prompt": cut,
                "chosen": enc["chosen"].lengths + cut,
                "rejected": enc["rejected"].lengths + cut,
            }
        per = self.counts.setdefault(view.split, {})
        for side in view.shape.sides:  # no prompt statistics for an implicit prompt
            per.setdefault(side, LengthCounts()).add(lengths[side][ok])
        if self.max_length is not None:
            self._limits(view, sink, lengths, enc, ok, cut)

    def _tokenizer_findings(self, view: BatchView, sink: FindingSink) -> None:
        tok = self.tok
        if tok.pad_token_id is not None and tok.pad_token_id == tok.eos_token_id:
            sink.add(
                "tokens.pad_is_eos",
                1,
                "*",
                [Example(split="*", row=None, field="tokenizer", excerpt=f"pad = eos = {tok.eos_token!r}")],
            )
        if view.shape.format == "conversational" and not tok.chat_template:
            sink.add(
                "tokens.no_chat_template",
                1,
                "*",
                [
                    Example(
                        split="*",
                        row=None,
                        field="tokenizer",
                        excerpt=f"{getattr(tok, 'name_or_path', '')} has no chat_template",
                    )
                ],
            )

    def _limits(
        self,
        view: BatchView,
        sink: FindingSink,
        lengths: dict[str, np.ndarray],
        encodings: dict[str, Encoded],
        ok: np.ndarray,
        cut: np.ndarray,
    ) -> None:
        """Too long, and identical once cut: equal ids up to `limit` (completion ids from `cut`)."""
        limit = self.max_length
        c, r = lengths["chosen"], lengths["rejected"]
        long = np.flatnonzero(ok & (np.maximum(c, r) > limit)).tolist()
        sink.add_rows(
            "tokens.too_long",
            view,
            long,
            lambda i: view.example(i, "chosen", f"{c[i]} / {r[i]} tokens > {limit}"),
        )
        same = [
            i
            for i in np.flatnonzero(ok & (np.minimum(c, r) >= limit)).tolist()
            if encodings["chosen"].ids(i)[: max(0, limit - cut[i])]
            == encodings["rejected"].ids(i)[: max(0, limit - cut[i])]
        ]
        sink.add_rows(
            "tokens.identical_after_truncation",
            view,
            same,
            lambda i: view.example(i, "chosen", f"first {limit} tokens equal ({c[i]} / {r[i]} tokens)"),
        )

    def _render(self, view: BatchView, sink: FindingSink) -> tuple[dict[str, list[str]], np.ndarray]:
        texts: dict[str, list[str]] = {"prompt": [], "chosen": [], "rejected": []}
        ok = np.ones(len(view), dtype=bool)
        bad: dict[int, str] = {}
        for i, row in enumerate(_rows(view)):
            if self.template_stopped:
                bad[i] = self.template_stopped
                for side in texts:
                    texts[side].append("")
                continue
            try:
                with time_limit(RENDER_SECONDS):
                    rendered = _render_row(self.tok, row)
            except TimeLimitExceeded:  # a template that loops for hours: stop rendering with it
                self.template_stopped = (
                    f"the chat template took over {RENDER_SECONDS:g} s on one row; "
                    "rendering stopped for this and every later row"
                )
                rendered, bad[i] = {"prompt": "", "chosen": "", "rejected": ""}, self.template_stopped
            except Exception as exc:  # any template failure is a finding, not a crash
                rendered, bad[i] = (
                    {"prompt": "", "chosen": "", "rejected": ""},
                    f"{type(exc).__name__}: {exc}",
                )
            else:
                missing = _missing_calls(row, rendered)
                if missing:
                    bad[i] = f"the template drops tool call {missing!r}"
            for side in texts:
                texts[side].append(rendered[side])
        ok[list(bad)] = False
        sink.add_rows("tokens.template_error", view, sorted(bad), lambda i: view.example(i, "chosen", bad[i]))
        return texts, ok

    def add_stats(self, stats: dict[str, SplitStats]) -> None:
        """Put token length statistics into the report's split statistics."""
        for split, per in self.counts.items():
            sides = stats.setdefault(split, SplitStats(rows=0)).sides
            for side, counts in per.items():
                target = sides.setdefault(side, SideStats())
                target.tokens, target.token_histogram = counts.stats(), counts.histogram()


def _standard_texts(view: BatchView) -> dict[str, list[str]]:
    prompt = view.content("prompt").to_pylist() if "prompt" in view.shape.sides else [""] * len(view)
    return {
        "prompt": prompt,
        "chosen": view.content("chosen").to_pylist(),
        "rejected": view.content("rejected").to_pylist(),
    }


def _rows(view: BatchView) -> list[dict[str, Any]]:
    names = [
        n
        for n in ("prompt", "chosen", "rejected", "tools", "chat_template_kwargs")
        if view.column(n) is not None
    ]
    return view.batch.select(names).to_pylist()


def _render_row(tok: Any, row: dict[str, Any]) -> dict[str, str]:
    tools = row.get("tools")
    tools = json.loads(tools) if isinstance(tools, str) else tools
    kwargs = {k: v for k, v in (row.get("chat_template_kwargs") or {}).items() if v is not None}
    prompt = [strip_absent(m) for m in row.get("prompt") or []]

    def render(messages: list[dict[str, Any]], generation: bool) -> str:
        return tok.apply_chat_template(
            messages, tools=tools, tokenize=False, add_generation_prompt=generation, **kwargs
        )

    return {
        "prompt": render(prompt, True) if prompt else "",
        "chosen": render(prompt + [strip_absent(m) for m in row["chosen"] or []], False),
        "rejected": render(prompt + [strip_absent(m) for m in row["rejected"] or []], False),
    }


def _missing_calls(row: dict[str, Any], rendered: dict[str, str]) -> str | None:
    for side in ("prompt", "chosen", "rejected"):
        text = rendered["chosen"] if side == "prompt" else rendered[side]
        for msg in row.get(side) or []:
            for call in msg.get("tool_calls") or []:
                name = (call.get("function") or {}).get("name")
                if name and name not in text:
                    return excerpt(name, 40)
    return None
