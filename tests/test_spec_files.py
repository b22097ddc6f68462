"""Spec files: every built-in one is valid; unknown keys, wrong types and YAML tags are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from prefdata._errors import SpecError
from prefdata._layouts import SPECS_DIR, builtin_specs, load_spec
from prefdata.records.schemas import schema_text
from prefdata.records.spec import LayoutSpec

SPEC_FILES = sorted(SPECS_DIR.glob("*.yaml"))
SCHEMA = json.loads(schema_text("layout-spec.schema.json"))

VALID = """\
name: qa-pairs
match: {columns: [question, answer_good, answer_bad]}
prompt: [{column: question}]
responses: {columns: [answer_good, answer_bad]}
preference: {encoding: paired}
"""


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_builtin_spec_validates(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec = LayoutSpec.model_validate(data)
    assert spec.name == path.stem
    # the keys used are the schema's keys: the JSON Schema documents every spec file
    assert set(data) <= set(SCHEMA["properties"])
    assert set(SCHEMA["required"]) <= set(data)


def test_builtin_names_are_unique() -> None:
    names = [s.name for s in builtin_specs()]
    assert len(names) == len(set(names)) == len(SPEC_FILES)


def _write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_user_spec_loads(tmp_path: Path) -> None:
    assert load_spec(_write(tmp_path, VALID)).name == "qa-pairs"


def test_unknown_key_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"responses\.colums: Extra inputs are not permitted") as err:
        typo = VALID.replace("responses: {columns:", "responses: {colums: [a], columns:")
        load_spec(_write(tmp_path, typo))
    assert err.value.where.endswith("spec.yaml")
    assert "layout-spec.schema.json" in err.value.fix
    with pytest.raises(SpecError, match=r"priorty"):
        load_spec(_write(tmp_path, VALID + "priorty: 2\n"))


def test_wrong_type_refused_by_field(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"match\.columns: Input should be a valid list"):
        load_spec(
            _write(
                tmp_path,
                VALID.replace(
                    "match: {columns: [question, answer_good, answer_bad]}", "match: {columns: question}"
                ),
            )
        )
    with pytest.raises(SpecError, match=r"priority: Input should be a valid integer"):
        load_spec(_write(tmp_path, VALID + "priority: high\n"))


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as err:
        load_spec(_write(tmp_path, VALID + "priority: high\nextra_key: 1\n"))
    assert "priority" in err.value.what and "extra_key" in err.value.what


def test_unknown_encoding_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="preference"):
        load_spec(_write(tmp_path, VALID.replace("encoding: paired", "encoding: vibes")))


def test_python_yaml_tag_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = VALID.replace("name: qa-pairs", f'name: !!python/object/apply:os.system ["touch {marker}"]')
    with pytest.raises(SpecError, match="not valid YAML") as err:
        load_spec(_write(tmp_path, text))
    assert "no tags" in err.value.fix
    assert not marker.exists()
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(_write(tmp_path, '!!python/object/apply:os.system ["echo hi"]\n'))


def test_spec_that_is_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="a spec is a mapping, got list"):
        load_spec(_write(tmp_path, "- name: x\n"))


def test_json_spec_accepted(tmp_path: Path) -> None:
    data = yaml.safe_load(VALID)
    assert load_spec(_write(tmp_path, json.dumps(data), "spec.json")).name == "qa-pairs"
