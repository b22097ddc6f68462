"""The two ways `prefdata_varlen` attends a packed row (batched, unit by unit) give the same result,
and training on CPU takes the unit-by-unit way (its backward is faster there)."""

from __future__ import annotations

import pytest
import torch

from prefdata_train._modeling import varlen_attention
from prefdata_train._modeling.varlen_attention import attend_batched, attend_units

LAYOUTS = [
    [(0, 5, (3, 4))],  # one pair with a prompt
    [(0, 0, (3, 2)), (5, 4, (1, 1))],  # no prefix, then 1-token suffixes
    [(0, 6, (2, 3, 1, 4)), (16, 2, (5, 5))],  # best-of-4, then a pair
    [(0, 3, (2, 2)), (7, 0, (4, 1))],  # followed by padding columns (row of 16)
]


@pytest.mark.parametrize("spans", LAYOUTS)
def test_unit_by_unit_equals_batched(spans):
    torch.manual_seed(0)
    length = 16 if spans is LAYOUTS[3] else max(s + p + sum(k) for s, p, k in spans)
    query, key, value = (torch.randn(1, 2, length, 8) for _ in range(3))
    batched = attend_batched(query, key, value, spans, 0.0, None)
    units = attend_units(query, key, value, spans, 0.0, None)
    assert units.shape == batched.shape == (1, length, 2, 8)
    torch.testing.assert_close(units, batched, atol=1e-6, rtol=1e-5)


def test_cpu_training_goes_unit_by_unit(monkeypatch):
    seen = []
    monkeypatch.setattr(
        varlen_attention, "attend_units", lambda *a: seen.append("units") or a[0].transpose(1, 2)
    )
    monkeypatch.setattr(
        varlen_attention, "attend_batched", lambda *a: seen.append("batched") or a[0].transpose(1, 2)
    )

    class Module(torch.nn.Module):
        num_key_value_groups = 1

    spans = [(0, 2, (1, 1))]
    query = torch.randn(1, 1, 4, 2, requires_grad=True)
    varlen_attention.varlen_attention(Module(), query, query, query, None, packed_spans=spans)
    with torch.no_grad():
        varlen_attention.varlen_attention(Module(), query, query, query, None, packed_spans=spans)
    assert seen == ["units", "batched"]
