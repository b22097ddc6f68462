"""Shared test fixtures: paths to the real samples in ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HH_SAMPLE = SHARED_DATA / "hh-rlhf-harmless-base-test.jsonl.gz"
OASST_SAMPLE = SHARED_DATA / "oasst-en-100-trees.jsonl"


@pytest.fixture(scope="session")
def hh_sample() -> Path:
    assert HH_SAMPLE.exists(), f"real sample missing: {HH_SAMPLE} (the project expects ../shared/data)"
    return HH_SAMPLE


@pytest.fixture(scope="session")
def oasst_sample() -> Path:
    assert OASST_SAMPLE.exists(), f"real sample missing: {OASST_SAMPLE}"
    return OASST_SAMPLE
