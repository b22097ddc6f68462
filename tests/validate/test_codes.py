"""Every check code is documented in the package docstring's table, and only those."""

from __future__ import annotations

import re

import prefdata._validate
from prefdata._validate.codes import CHECKS


def test_docstring_table_lists_every_code_with_its_severity():
    rows = re.findall(r"^\| `([a-z_.]+)` \| (\w+) \|", prefdata._validate.__doc__, re.M)
    assert dict(rows) == {code: info.severity for code, info in CHECKS.items()}
