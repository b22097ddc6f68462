"""The inferred-layout corpus: each fixture's source and its documented meaning, as code.

`MEANING[name](row)` returns the index (0 = first response column in the source's order, the
way its documentation numbers them) of the response the source says is better, or None for
a tie. Tests compare every converted pair with it, so a flipped pair fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inferred"


def fixture(name: str) -> Path:
    return FIXTURES / f"{name}.jsonl"


def _pos(value: Any, first: Any, second: Any) -> int:
    return {first: 0, second: 1}[value]


def _verdict(v: str) -> int | None:
    return None if v == "A=B" else 0 if v.startswith("A>") else 1


# name -> (response columns/path in documented order, meaning of one row)
CONVERTED: dict[str, tuple[Any, Any]] = {
    # AlpacaFarm human preferences: `preference` 1 = output_1 better, 2 = output_2 better
    "alpacafarm-human-preference": (["output_1", "output_2"], lambda r: _pos(r["preference"], 1, 2)),
    # AlpacaEval annotations: `preference` in [1, 2], 1 = output_1, 2 = output_2, 1.5 a tie
    "alpacaeval-annotations": (
        ["output_1", "output_2"],
        lambda r: None if r["preference"] == 1.5 else 0 if r["preference"] < 1.5 else 1,
    ),
    # LLMBar: `label` 1 or 2 names the better output
    "llmbar": (["output_1", "output_2"], lambda r: _pos(r["label"], 1, 2)),
    # OffsetBias: `label` 1 or 2 names the better output
    "offsetbias": (["output_1", "output_2"], lambda r: _pos(r["label"], 1, 2)),
    # JudgeBench: `label` "A>B" (response_A better) or "B>A"
    "judgebench": (["response_A", "response_B"], lambda r: _verdict(r["label"])),
    # Arena-Hard-style judge verdicts: A>>B, A>B, A=B (tie), B>A, B>>A
    "arena-hard-verdicts": (["answer_a", "answer_b"], lambda r: _verdict(r["score"])),
    # Prometheus Preference-Collection: `orig_preference` "A" or "B"
    "preference-collection": (
        ["orig_response_A", "orig_response_B"],
        lambda r: _pos(r["orig_preference"], "A", "B"),
    ),
    # WebGPT comparisons: score_0/score_1, higher better, equal a tie
    "webgpt-comparisons": (
        ["answer_0", "answer_1"],
        lambda r: None if r["score_0"] == r["score_1"] else 0 if r["score_0"] > r["score_1"] else 1,
    ),
    # PKU-SafeRLHF single dimension: `better_response_id` 0 or 1
    "pku-saferlhf-single-dimension": (["response_0", "response_1"], lambda r: r["better_response_id"]),
    # Vezora Code-Preference-Pairs: `accepted` is better than `rejected`
    "code-preference-pairs": (["accepted", "rejected"], lambda r: 0),
    # argilla ultrafeedback-binarized-preferences: chosen_response better; equal avg ratings a tie
    "argilla-ultrafeedback-binarized": (
        ["chosen_response", "rejected_response"],
        lambda r: None if r["chosen_avg_rating"] == r["rejected_avg_rating"] else 0,
    ),
    # stack-exchange-preferences: answers[].pm_score, higher better
    "stack-exchange-preferences": (
        "answers",
        lambda r: max(range(len(r["answers"])), key=lambda i: r["answers"][i]["pm_score"]),
    ),
    # ranked candidates, ranks written as text, 1 best
    "ranked-candidates": (
        "candidates",
        lambda r: min(range(len(r["candidates"])), key=lambda i: int(r["candidates"][i]["rank"])),
    ),
    # OpenAI-style tool calling DPO: chosen_message better
    "tool-calling-dpo": (["chosen_message", "rejected_message"], lambda r: 0),
    # LLaMA-Factory ShareGPT DPO: chosen_response better
    "llamafactory-sharegpt-dpo": (["chosen_response", "rejected_response"], lambda r: 0),
    # typed content parts, `winner` A or B
    "typed-parts-winner": (["response_a", "response_b"], lambda r: _pos(r["winner"], "A", "B")),
}

# name -> documented meaning that the data alone cannot tell from its look-alike
AMBIGUOUS = {
    "autoj-pairwise": "Auto-J pairwise test set: label 0 = response 1 better, 1 = response 2, 2 = tie",
    "pandalm-testset": "PandaLM test set: annotator votes 0 = tie, 1 = response1 better, 2 = response2",
    "flag-ab-shp-convention": "SHP convention: labels 1 = A preferred, 0 = B",
    "index-ab-choice-convention": "summarize-from-feedback convention: choice 0 = first preferred",
    "signed-scale": "HelpSteer3 convention: negative = response 1 better",
}

# name -> what the refusal must say the data is
NO_PAIRS = {
    "kto-unpaired": "unpaired feedback",
    "sharegpt-sft": "SFT conversation data",
    "mt-bench-gpt4-pair-judgments": "judgments without the judged responses",
    "helpsteer2-ratings": "ratings of single responses",
}
