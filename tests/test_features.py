"""`features_of` writes the same features as `datasets.Features.from_arrow_schema(...).to_dict()`."""

from __future__ import annotations

import datasets
import pyarrow as pa
import pytest

from prefdata._tables import features_of

_CALL = pa.struct(
    [
        ("type", pa.string()),
        ("function", pa.struct([("name", pa.string()), ("arguments", pa.string())])),
        ("id", pa.string()),
    ]
)
_MESSAGE = pa.struct(
    [
        ("role", pa.string()),
        ("content", pa.string()),
        ("tool_calls", pa.list_(_CALL)),
        ("name", pa.string()),
        ("tool_call_id", pa.string()),
    ]
)

SCHEMAS = {
    "standard": pa.schema(
        [
            ("prompt", pa.string()),
            ("chosen", pa.string()),
            ("rejected", pa.string()),
            ("source_row", pa.int64()),
        ]
    ),
    "conversational_with_tools": pa.schema(
        [
            ("prompt", pa.list_(_MESSAGE)),
            ("chosen", pa.list_(_MESSAGE)),
            ("rejected", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
            ("margin", pa.float64()),
            ("tools", pa.string()),
            ("tie", pa.bool_()),
            ("source_row", pa.int64()),
            ("source_split", pa.string()),
        ]
    ),
    "template_kwargs_and_nesting": pa.schema(
        [
            ("chat_template_kwargs", pa.struct([("enable_thinking", pa.bool_()), ("depth", pa.int32())])),
            ("nested", pa.list_(pa.list_(pa.float32()))),
            ("large", pa.large_list(pa.large_string())),
            ("fixed", pa.list_(pa.int8(), 3)),
            ("unsigned", pa.struct([("a", pa.uint8()), ("b", pa.uint64()), ("c", pa.float16())])),
            ("blobs", pa.list_(pa.binary())),
            ("nothing", pa.null()),
            ("day", pa.date32()),
        ]
    ),
    # types features_of leaves to `datasets`: the answer must still be the same
    "fallback": pa.schema(
        [("when", pa.timestamp("ms", tz="UTC")), ("money", pa.decimal128(10, 2)), ("t", pa.time64("us"))]
    ),
}


@pytest.mark.parametrize("name", SCHEMAS)
def test_features_match_datasets(name):
    schema = SCHEMAS[name]
    assert features_of(schema) == datasets.Features.from_arrow_schema(schema).to_dict()


@pytest.mark.parametrize("name", SCHEMAS)
def test_key_order_matches_datasets(name):
    """The features are serialised into the data file's metadata: key order is part of the bytes."""
    schema = SCHEMAS[name]
    ours, theirs = features_of(schema), datasets.Features.from_arrow_schema(schema).to_dict()
    assert repr(ours) == repr(theirs)
