"""Each content check finds its planted defect by row, and passes the clean data."""

from __future__ import annotations

from prefdata._validate import validate
from tests.validate.conftest import assistant, clean_conversational, clean_standard, user


def test_clean_standard_has_no_findings(write):
    report = validate(write(clean_standard()))
    assert report.findings == []
    assert report.format == "standard" and report.prompt == "explicit"
    assert report.splits["train"].rows == 6


def test_clean_conversational_has_no_findings(write):
    report = validate(write(clean_conversational()))
    assert report.findings == [], [f.code for f in report.findings]
    assert report.format == "conversational"


def _plant(**changes):
    rows = clean_standard()
    rows[3] = {**rows[3], **changes}
    return rows


def _rows_of(report, code):
    finding = report.finding(code)
    assert finding is not None, [f.code for f in report.findings]
    return [e.row for e in finding.examples], finding.count


def test_empty_response(write):
    assert _rows_of(validate(write(_plant(rejected="   "))), "content.empty") == ([3], 1)


def test_empty_prompt_is_a_warning(write):
    report = validate(write(_plant(prompt="")))
    assert _rows_of(report, "content.empty_prompt") == ([3], 1)
    assert report.exit_status() == 0 and report.exit_status("warning") == 1


def test_identical(write):
    report = validate(write(_plant(chosen="Same answer.", rejected="Same answer.")))
    assert _rows_of(report, "content.identical") == ([3], 1)
    assert report.exit_status() == 1


def test_strict_prefix_either_way(write):
    rows = clean_standard()
    rows[1]["rejected"] = rows[1]["chosen"] + " And more."
    rows[4]["chosen"] = rows[4]["rejected"] + " Extra."
    assert _rows_of(validate(write(rows)), "content.prefix") == ([1, 4], 2)


def test_conversational_prefix_and_empty_message(write):
    rows = clean_conversational()
    rows[1]["rejected"] = [{**rows[1]["chosen"][0], "content": "Hi, how"}]
    rows[2]["rejected"] = [{**rows[2]["rejected"][0], "content": ""}]
    report = validate(write(rows))
    # issue 10: an empty reply is `content.empty` only, not also a prefix of the other reply
    assert _rows_of(report, "content.prefix")[0] == [1]
    assert _rows_of(report, "content.empty") == ([2], 1)


def test_duplicates_and_contradictions(write):
    rows = clean_standard()
    rows.append(dict(rows[2]))  # row 6 duplicates row 2
    rows.append(
        {**rows[4], "chosen": rows[4]["rejected"], "rejected": rows[4]["chosen"]}
    )  # row 7 swaps row 4
    report = validate(write(rows))
    assert _rows_of(report, "content.duplicate") == ([6], 1)
    assert _rows_of(report, "content.contradiction") == ([4, 7], 2)


def test_same_texts_under_another_prompt_are_not_duplicates(write):
    rows = clean_standard()
    rows.append({**rows[2], "prompt": "Another prompt"})
    rows.append(
        {**rows[3], "prompt": "Yet another", "chosen": rows[3]["rejected"], "rejected": rows[3]["chosen"]}
    )
    report = validate(write(rows))
    assert report.finding("content.duplicate") is None and report.finding("content.contradiction") is None


def test_length_ratio(write):
    assert _rows_of(validate(write(_plant(chosen="x" * 400, rejected="No."))), "content.length_ratio") == (
        [3],
        1,
    )


def test_garbage(write):
    rows = clean_standard()
    rows[2]["chosen"] = "broken \ufffd text"
    rows[5]["rejected"] = "nul\x00byte"
    report = validate(write(rows))
    rows_found, count = _rows_of(report, "content.garbage")
    assert (rows_found, count) == ([2, 5], 2)
    assert "\\ufffd" in report.finding("content.garbage").examples[0].excerpt


def test_implicit_conversational_shape(write):
    rows = [
        {
            "chosen": [user(f"q{i}"), assistant(f"good {i}")],
            "rejected": [user(f"q{i}"), assistant(f"bad {i}")],
        }
        for i in range(3)
    ]
    report = validate(write(rows))
    assert report.prompt == "implicit" and report.findings == []


def test_empty_turn_in_the_history_is_an_empty_prompt_in_both_shapes(write):
    """A blank user turn is a prompt problem (warning) whether the prompt is explicit or inside
    implicit dialogues; a blank reply is an empty response (error)."""
    history = [user("q"), assistant(""), user("and now?")]
    implicit = [
        {"chosen": history + [assistant(f"good {i}")], "rejected": history + [assistant(f"bad {i}")]}
        for i in range(3)
    ]
    report = validate(write(implicit))
    assert report.finding("content.empty") is None
    assert _rows_of(report, "content.empty_prompt") == ([0, 1, 2], 3)
    explicit = [
        {
            "prompt": [user("q")],
            "chosen": [assistant("a"), user(""), assistant("fine")],
            "rejected": [assistant("b"), user("x"), assistant("")],
        }
    ]
    report = validate(write(explicit))
    assert _rows_of(report, "content.empty") == ([0], 1)
    assert _rows_of(report, "content.empty_prompt") == ([0], 1)
    assert report.exit_status() == 1
