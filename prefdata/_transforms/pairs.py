"""From one source row to its canonical output rows: read, choose pairs, shape, check."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

import pyarrow as pa

from prefdata._errors import RowError
from prefdata._transforms.candidates import Example, read_example
from prefdata._transforms.dialogue import parse_json, split_hh_pair
from prefdata._transforms.drops import REASONS, Drop
from prefdata._transforms.encodings import ENCODERS, Choice, gives_margin
from prefdata._transforms.fields import get_path
from prefdata._transforms.late_columns import LateColumns
from prefdata._transforms.message_parsing import json_text
from prefdata._transforms.message_tree import TreePair, tree_pairs
from prefdata._transforms.pair_shape import check_pair, derive_prompt, is_plain_text, to_columns
from prefdata._transforms.split_state import SplitState
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import LayoutSpec, MessageTree

T = TypeVar("T")

# drop reasons that an `error` policy turns into a stop, and the option that says so
_ERROR_OPTIONS = {
    "empty_response": "empty",
    "empty_prompt": "empty",
    "identical": "identical",
    "label_out_of_domain": "labels",
}
# encodings whose pairs follow from the preference columns alone, without the responses
SIGNAL_ONLY = frozenset({"paired", "one_hot", "label", "index", "signed"})


class RowConverter:
    """Converts rows under one spec and one set of options.

    It holds configuration only, set here and never changed, so one converter serves any
    number of splits, chunks and threads at once; what earlier rows of a split decided for
    later ones is the `SplitState` passed to `convert`.
    """

    def __init__(self, spec: LayoutSpec, options: ConvertOptions, columns: Collection[str]) -> None:
        self.spec, self.options = spec, options
        self.encode = ENCODERS.get(spec.preference.encoding)

        def present(path: str | None) -> str | None:
            return path if path is not None and path.split(".")[0] in columns else None

        margin = spec.margin if spec.margin is not None and present(spec.margin.column) else None
        self.margin_source = margin if margin is not None and (margin.always or options.margin) else None
        # an encoding without strengths (flags, labels, bare pairs) gives no margin column at all
        self.with_margin = self.margin_source is not None or (
            options.margin and gives_margin(spec.preference)
        )
        self.tools, self.template_kwargs = present(spec.tools), present(spec.chat_template_kwargs)
        self._tree = isinstance(spec.preference, MessageTree)
        self._signal_only = spec.preference.encoding in SIGNAL_ONLY
        self._late = LateColumns(spec, options, columns)  # keys a JSON row shows after the sample

    def convert(self, row: dict[str, Any], split: str, index: int, state: SplitState) -> list[dict[str, Any]]:
        """Output rows for `row`, input row `index` of `split`; raises `Drop` when none survive (the
        first reason wins). The split's decisions are read from, and recorded in, `state`."""
        key = f"{self.options.seed}:{split}:{index}"
        pref = self.spec.preference
        if isinstance(pref, MessageTree):
            pairs = tree_pairs(row, pref, self.options, key)
            return self._collect(pairs, lambda p: self._build_tree_pair(row, p, index, state), state)
        assert self.encode is not None  # every other encoding has one (ENCODERS)
        self._late.check(row, index)
        try:
            if self._signal_only:
                # the signal alone decides: drop ties before parsing any text (a third of arena rows)
                choices = self.encode(row, pref, None, self.options, key)
                if self.options.ties == "drop" and all(c.tie for c in choices):
                    raise Drop(choices[0].tie or "tie")
                ex = read_example(row, self.spec)
            else:
                ex = read_example(row, self.spec)
                choices = self.encode(row, pref, ex, self.options, key)
        except Drop as drop:
            self._stop_if_asked(drop, index)  # `--labels error` (read errors have no such option)
            raise
        if len(choices) == 1:  # what _collect does with one pair, without its machinery
            return [self.build(row, ex, choices[0], index, state)]
        return self._collect(choices, lambda c: self.build(row, ex, c, index, state), state)

    def _build_tree_pair(
        self, row: dict[str, Any], p: TreePair, index: int, state: SplitState
    ) -> dict[str, Any]:
        choice = Choice(0, 1, p.margin, p.tie)
        return self.build_sides(row, p.prompt, p.chosen, p.rejected, choice, index, state)

    def _collect(
        self, items: Sequence[T], build: Callable[[T], dict[str, Any]], state: SplitState
    ) -> list[dict[str, Any]]:
        """One output row per item; a pair dropped from a row that still gives others is counted apart."""
        out: list[dict[str, Any]] = []
        drops: list[Drop] = []
        for item in items:
            try:
                out.append(build(item))
            except Drop as dropped:
                drops.append(dropped)
        if not out:
            raise drops[0] if drops else Drop("no_pairs")
        for drop in drops:
            state.pair_drops[drop.reason] += 1
        return out

    def build(
        self, row: dict[str, Any], ex: Example, choice: Choice, index: int, state: SplitState
    ) -> dict[str, Any]:
        """One canonical row for one chosen/rejected choice."""
        try:
            prompt, chosen, rejected = self._sides(ex, choice)
        except Drop as drop:
            self._stop_if_asked(drop, index)
            raise
        return self.build_sides(row, prompt, chosen, rejected, choice, index, state)

    def build_sides(
        self,
        row: dict[str, Any],
        prompt: list[dict],
        chosen: list[dict],
        rejected: list[dict],
        choice: Choice,
        index: int,
        state: SplitState,
    ) -> dict[str, Any]:
        """One canonical row from the prompt and the two sides."""
        if choice.tie is not None:
            self._tie_policy(choice, index)
        try:
            check_pair(prompt, chosen, rejected, self.options)
        except Drop as drop:
            self._stop_if_asked(drop, index)
            raise
        standard = self._standard(prompt, chosen, rejected)
        columns = to_columns(prompt, chosen, rejected, self.options, standard)
        state.key_kinds.check(columns.get("prompt"), columns["chosen"], columns["rejected"])
        if self.with_margin:
            columns["margin"] = self._margin(row, choice)
        if self.options.ties == "keep":
            columns["tie"] = choice.tie is not None
        if self.tools:
            columns["tools"] = _tools_text(get_path(row, self.tools))
        if self.template_kwargs:
            kwargs = get_path(row, self.template_kwargs)
            columns["chat_template_kwargs"] = _template_kwargs(kwargs, state)
        columns["source_row"] = index
        _check_shape(columns, state)
        return columns

    def _stop_if_asked(self, drop: Drop, index: int) -> None:
        """`--empty error` / `--identical error`: a pair that would be dropped for that reason stops the run."""
        option = _ERROR_OPTIONS.get(drop.reason)
        if option is None or getattr(self.options, option) != "error":
            return
        raise RowError(
            f"{REASONS[drop.reason]} ({drop.detail})" if drop.detail else REASONS[drop.reason],
            where=f"row {index}",
            fix=f"pass --{option} drop{'' if option == 'labels' else ' (or keep)'} to go on past such rows",
        )

    def _tie_policy(self, choice: Choice, index: int) -> None:
        if self.options.ties == "drop":
            raise Drop(choice.tie or "tie")
        if self.options.ties == "error":
            raise RowError(
                f"row is a tie ({choice.tie}): {REASONS.get(choice.tie or 'tie', '')}",
                where=f"row {index}",
                fix="pass --ties drop or --ties keep",
            )

    def _sides(self, ex: Example, choice: Choice) -> tuple[list[dict], list[dict], list[dict]]:
        if ex.raw is not None:
            a, b = ex.raw[choice.chosen], ex.raw[choice.rejected]
            if not isinstance(a, str) or not isinstance(b, str):
                raise Drop("empty_response", "a transcript is null")
            return split_hh_pair(a, b)
        chosen, rejected = ex.responses[choice.chosen], ex.responses[choice.rejected]
        if chosen is None or rejected is None:
            side = "chosen" if chosen is None else "rejected"
            raise Drop("empty_response", f"{side} is null")
        if ex.prompt is None:
            if is_plain_text(chosen, rejected):
                return [], chosen, rejected  # implicit standard text: keep whole
            return derive_prompt(chosen, rejected)
        return ex.prompt, chosen, rejected

    def _standard(self, *sides: list[dict]) -> bool:
        if self.options.format == "auto":
            return is_plain_text(*sides)
        return self.options.format == "standard"

    def _margin(self, row: dict[str, Any], choice: Choice) -> float:
        """The pair's margin; a pair without one is dropped (`no_margin`): TRL needs one on every row."""
        src = self.margin_source
        if src is None:
            if choice.tie:
                return 0.0
            if choice.margin is None:
                raise Drop("no_margin", "the scores giving the margin are null, NaN or infinite")
            return choice.margin
        value = get_path(row, src.column)
        if isinstance(value, (bool, str)) or not isinstance(value, (int, float, type(None))):
            # a margin column holds numbers: `true` or "0.5" means the column is not what it seems
            raise Drop("bad_value", f"`{src.column}` is {value!r:.60} ({type(value).__name__}), not a number")
        if value is None or not math.isfinite(value):
            raise Drop("no_margin", f"`{src.column}` is {value!r}")
        if src.transform == "abs":
            return abs(value)
        if src.transform == "log":
            if value <= 0:
                raise Drop("no_margin", f"`{src.column}` is {value!r}, which has no logarithm")
            return math.log(value)
        return float(value)


def _tools_text(value: Any) -> str | None:
    """The `tools` column as JSON text of a list of schemas (JSON text input kept verbatim)."""
    if value is None:
        return None
    parsed = parse_json(value, "tools")
    if not isinstance(parsed, list) or not all(isinstance(t, dict) for t in parsed):
        raise Drop("bad_value", "`tools` is not a list of JSON schemas")
    return value if isinstance(value, str) else json_text(value)


def _check_shape(columns: dict[str, Any], state: SplitState) -> None:
    """Every row of a split has the first row's shape: a mixed split cannot be one dataset."""
    shape = ("prompt" in columns, isinstance(columns["chosen"], str))
    if state.shape is None:
        state.shape = shape
    elif shape[0] != state.shape[0]:
        which = (
            "has no prompt, but earlier rows have one"
            if state.shape[0]
            else "has a prompt, earlier rows none"
        )
        raise Drop("empty_prompt" if state.shape[0] else "bad_value", f"the row {which}")
    elif shape != state.shape:
        kinds = ("message lists", "text") if state.shape[1] else ("text", "message lists")
        raise Drop("bad_value", f"the row is {kinds[0]}, but earlier rows are {kinds[1]}")


def _template_kwargs(value: Any, state: SplitState) -> dict[str, Any] | None:
    """A row's template kwargs: a mapping whose value types agree with earlier rows' (Arrow needs one type)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Drop("bad_value", f"`chat_template_kwargs` is {type(value).__name__}, not a mapping")
    try:
        kind = pa.scalar(value).type
        if state.kwargs_type is not None:
            kind = (
                pa.unify_schemas(
                    [pa.schema([("k", state.kwargs_type)]), pa.schema([("k", kind)])],
                    promote_options="permissive",
                )
                .field("k")
                .type
            )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise Drop(
            "bad_value", f"`chat_template_kwargs` {value!r:.80} disagrees with earlier rows ({exc})"
        ) from None
    state.kwargs_type = kind
    return value
