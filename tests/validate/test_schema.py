"""The committed JSON Schema of the report is exactly what the model generates."""

from __future__ import annotations

from pathlib import Path

from prefdata._validate.schema import SCHEMA_FILE, report_schema_text

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_schema_file_is_not_stale():
    committed = (SCHEMAS / SCHEMA_FILE).read_text()
    assert committed == report_schema_text(), (
        "schemas/validation-report.schema.json is stale; regenerate it with "
        '`python -c "from prefdata._validate.schema import write_report_schema; '
        "write_report_schema('schemas')\"`"
    )


def test_schema_describes_findings():
    text = report_schema_text()
    assert '"Finding"' in text and '"severity"' in text
