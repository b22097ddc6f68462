"""The JSON Schema of `EvaluationReport` (`prefdata-train evaluate --json`), generated, never hand-edited.

Regenerate with `python -m prefdata_train._evaluation.evaluation_schema schemas` (`make schemas`);
a test fails when `schemas/evaluation-report.schema.json` differs from what the model gives.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from prefdata_train._evaluation.report_model import EvaluationReport

SCHEMA_FILE = "evaluation-report.schema.json"


def evaluation_json_schema() -> dict[str, Any]:
    """The JSON Schema of the report as serialised (fields excluded from JSON are left out)."""
    schema = EvaluationReport.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://prefdata.dev/schemas/{SCHEMA_FILE}"
    return schema


def evaluation_schema_text() -> str:
    """The schema file's exact text (sorted keys: regenerating gives no spurious diff)."""
    return json.dumps(evaluation_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_evaluation_schema(folder: str | Path) -> Path:
    """Write the schema file into `folder` (created if missing); its path."""
    path = Path(folder) / SCHEMA_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(evaluation_schema_text(), encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    """`python -m prefdata_train._evaluation.evaluation_schema [FOLDER]` (default `schemas/`)."""
    print(write_evaluation_schema(argv[0] if argv else "schemas"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
