"""Data with nothing to compare is refused, with a message saying what was found and what is expected."""

from __future__ import annotations

import datasets
import pytest
from layout_assertions import fixture

import prefdata
from prefdata._errors import DetectionError


@pytest.mark.parametrize(
    ("name", "found", "columns"),
    [
        ("sft-messages", "SFT conversation data (a `messages` column)", "`source`, `messages`"),
        ("prompt-completion", "prompt/completion (SFT) data", "`prompt`, `completion`"),
    ],
)
def test_refused_by_detect_and_convert(name: str, found: str, columns: str, tmp_path) -> None:
    calls = (lambda: prefdata.detect(fixture(name)), lambda: prefdata.convert(fixture(name), tmp_path / "o"))
    for call in calls:
        with pytest.raises(DetectionError) as err:
            call()
        message = str(err.value)
        assert "not preference data" in message and found in message
        assert f"Found columns {columns}" in message
        assert "expected two or more responses to one prompt and a preference signal" in message
        assert err.value.fix
    assert not (tmp_path / "o").exists()


def test_in_memory_sft_dataset_refused() -> None:
    ds = datasets.Dataset.from_list(
        [{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}]
    )
    with pytest.raises(DetectionError, match="SFT conversation data"):
        prefdata.convert(ds)
