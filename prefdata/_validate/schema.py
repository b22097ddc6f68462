"""The JSON Schema of `ValidationReport`, generated (never hand-edited)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from prefdata._validate.report import ValidationReport

SCHEMA_FILE = "validation-report.schema.json"


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema of the `--json` output."""
    schema = ValidationReport.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://prefdata.dev/schemas/{SCHEMA_FILE}"
    return schema


def report_schema_text() -> str:
    """The schema file's exact text."""
    return json.dumps(report_json_schema(), indent=2, sort_keys=True) + "\n"


def write_report_schema(folder: str | Path) -> Path:
    """Write the schema file into `folder` (the repository's `schemas/`)."""
    path = Path(folder) / SCHEMA_FILE
    path.write_text(report_schema_text())
    return path
