"""Helpers for the layout tests: fixture paths, expected-message builder, the row-accounting check."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "layouts"

# ChatML with tools. `is defined` tests make it sensitive to keys that should be absent: a null
# `name` or `id` left in a message would render as "None", so a faithful conversion must drop them.
CHAT_TEMPLATE = (
    "{%- if enable_thinking is defined %}[thinking={{ enable_thinking }}]\n{% endif %}"
    "{%- if tools %}<|im_start|>system\n"
    "{%- if messages[0].role == 'system' %}{{ messages[0].content }}\n\n{% endif %}"
    "# Tools\n<tools>{% for t in tools %}\n{{ t | tojson }}{% endfor %}\n</tools><|im_end|>\n"
    "{%- elif messages[0].role == 'system' %}<|im_start|>system\n{{ messages[0].content }}<|im_end|>\n"
    "{%- endif %}"
    "{%- for m in messages %}"
    "{%- if m.role == 'system' and loop.first %}"
    "{%- elif m.role == 'tool' %}<|im_start|>tool"
    "{%- if m.name is defined %} name={{ m.name }}{% endif %}"
    "{%- if m.tool_call_id is defined %} id={{ m.tool_call_id }}{% endif %}\n{{ m.content }}<|im_end|>\n"
    "{%- else %}<|im_start|>{{ m.role }}{% if m.name is defined %} name={{ m.name }}{% endif %}\n"
    "{%- if m.content %}{{ m.content }}{% endif %}"
    '{%- for c in m.tool_calls or [] %}\n<tool_call>{"name": "{{ c.function.name }}", "arguments": '
    "{{ c.function.arguments if c.function.arguments is string else c.function.arguments | tojson }}}"
    "{%- if c.id is defined %} id={{ c.id }}{% endif %}</tool_call>{% endfor %}<|im_end|>\n"
    "{%- endif %}{% endfor %}"
)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSON-lines fixture."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def rows_by_source(result, split: str = "train") -> dict[int, dict[str, Any]]:
    """Output rows keyed by `source_row` (for layouts that give one pair per input row)."""
    rows = result.dataset[split].to_list()
    assert len({r["source_row"] for r in rows}) == len(rows), "several output rows share a source row"
    return {r["source_row"]: r for r in rows}


def reject_reasons(result, split: str = "train") -> dict[int, str]:
    """Dropped input rows of `split`: source_row -> reason."""
    return {r.source_row: r.reason for r in result.rejects if r.split == split}


def assert_accounted(result) -> None:
    """Every input row is either the source of some output row or rejected, never both, never neither;
    the manifest's counts agree with the data and the rejects."""
    for split, report in result.manifest.splits.items():
        out = result.dataset[split]
        # an output row built from several input rows (a flat message tree) names them all
        column = "source_rows" if "source_rows" in out.column_names else "source_row"
        produced = sorted({i for v in out[column] for i in (v if isinstance(v, list) else [v])})
        rejected = [r.source_row for r in result.rejects if r.split == split]
        assert len(rejected) == len(set(rejected)), f"{split}: a row is rejected twice"
        assert not set(produced) & set(rejected), f"{split}: rows both kept and rejected"
        assert set(produced) | set(rejected) == set(range(report.rows_in)), f"{split}: rows unaccounted for"
        assert report.rows_out == len(out)
        reasons = Counter(r.reason for r in result.rejects if r.split == split)
        assert dict(reasons) == report.dropped


def msg(role: str, content: str | None, **extra: Any) -> dict[str, Any]:
    """A message dict as the canonical output holds it (only the keys given)."""
    return {"role": role, "content": content, **extra}
