"""The evaluation report: what `prefdata-train evaluate` prints as JSON and draws as HTML.

Written once as pydantic models; `schemas/evaluation-report.schema.json` is generated from
`EvaluationReport` (`python -m prefdata_train._evaluation.report_schema`).

Every accuracy carries a 95% confidence interval (`Interval`): a Wilson score interval for a
share of pairs, a stratified bootstrap over items for weighted, fractional or composite
scores (see `intervals`). Pairwise views of list shapes (best-of-N, style lists) count every
(chosen, rejected) combination of an item as one pair.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Interval(BaseModel):
    """A 95% confidence interval."""

    low: float
    high: float


class GroupAccuracy(BaseModel):
    """Accuracy over the pairs of one group (chosen reward > rejected reward; a tie is wrong)."""

    n: int
    accuracy: float
    accuracy_ci: Interval = Field(description="Wilson score interval, 95%.")


class MarginBucket(BaseModel):
    """Accuracy over the pairs whose margin lies in [low, high) (quantile edges; the last is closed)."""

    low: float
    high: float
    n: int
    accuracy: float
    accuracy_ci: Interval = Field(description="Wilson score interval, 95%.")


class Score(BaseModel):
    """A score in [0, 1] that is not a plain share of pairs (weighted, fractional credit, composite)."""

    n: int = Field(description="Items (prompts) the score is computed over.")
    score: float
    score_ci: Interval = Field(description="Stratified bootstrap over items, 95% percentile interval.")


class SectionScore(Score):
    """A RewardBench section: its subsets' accuracies weighted by the upstream example counts."""

    weight: int = Field(description="Sum of the upstream example counts of the subsets present.")
    subsets: list[str]


class TiesScore(Score):
    """RewardBench 2's Ties subset: a composite of accuracy and margin terms (see `best_of_n`)."""

    ref_accuracy: float
    tied_accuracy: float
    correctness_preferred: float
    correctness_preferred_hard: float
    correctness_margin_score: float


class StyleMatrix(BaseModel):
    """RM-Bench's k x k matrix for one domain: `matrix[i][j]` = share of items whose chosen answer
    in style i scores strictly above its rejected answer in style j."""

    n: int = Field(description="Items.")
    matrix: list[list[float]]
    hard: Score = Field(description="Mean of the cells above the diagonal (chosen plainer than rejected).")
    normal: Score = Field(description="Mean of the diagonal (same style).")
    easy: Score = Field(description="Mean of the cells below the diagonal (chosen fancier than rejected).")
    score: Score = Field(description="Mean of hard, normal and easy.")


class StyleScores(BaseModel):
    """RM-Bench scores per domain (safety-refuse and safety-response pooled as `safety`) and overall."""

    domains: dict[str, StyleMatrix]
    overall: StyleMatrix = Field(description="Unweighted mean over the domains, cell by cell.")


class BenchmarkScore(BaseModel):
    """The headline score of a known benchmark, computed as its maintainers do."""

    benchmark: str
    score: float
    score_ci: Interval
    formula: str = Field(description="How the score is computed, in words.")
    ci_method: str


class LengthBias(BaseModel):
    """Does the model reward length? Accuracy by which side is longer (in tokens), and correlations."""

    chosen_longer: GroupAccuracy
    chosen_shorter: GroupAccuracy
    same_length: GroupAccuracy
    gap: float | None = Field(description="Accuracy when chosen is longer minus when it is shorter.")
    pearson: float | None = Field(description="Correlation of reward and length over all completions.")
    spearman: float | None = Field(description="Rank correlation of reward and length (average ranks).")
    threshold: float = Field(description="`flagged` when |gap| exceeds this ...")
    min_group: int = Field(description="... and both the longer and the shorter group have this many pairs.")
    flagged: bool


class CalibrationBin(BaseModel):
    """One equal-width bin over p = sigmoid(r_chosen - r_rejected)."""

    low: float
    high: float
    n: int
    mean_p: float | None = Field(description="Mean predicted probability in the bin; None when empty.")
    frequency: float | None = Field(description="Share of the bin's entries that are true preferences.")


class Calibration(BaseModel):
    """Reliability of p = sigmoid(r_chosen - r_rejected) as P(chosen is preferred) (see `calibration`)."""

    n_pairs: int
    ece: float = Field(description="Expected calibration error over the bins.")
    bins: list[CalibrationBin]


class RewardStats(BaseModel):
    """Distribution of the rewards of a set of completions."""

    n: int
    mean: float
    std: float
    min: float
    p05: float
    median: float
    p95: float
    max: float


class EvaluationReport(BaseModel):
    """What `prefdata-train evaluate` reports; per-completion rewards and lengths stay out of its JSON."""

    model: str | None = Field(default=None, description="The reward model evaluated.")
    shape: str = Field(default="pairs", description="pairs, subset-pairs, best-of-n or style-lists.")
    benchmark: str | None = Field(default=None, description="rewardbench, rewardbench-2, rm-bench or None.")
    data: str | None = Field(default=None, description="The evaluation data read.")
    n_items: int = Field(default=0, description="Items (prompts with their completions) evaluated.")
    n_pairs: int = Field(description="Pairs compared: every (chosen, rejected) combination of each item.")
    accuracy: float = Field(description="Share of pairs with chosen reward > rejected reward.")
    accuracy_ci: Interval | None = Field(default=None, description="Wilson score interval, 95%.")
    mean_gap: float = Field(description="Mean of chosen reward - rejected reward.")
    mean_chosen: float
    mean_rejected: float
    by: str | None = Field(default=None, description="The column grouped by, if any.")
    by_group: dict[str, GroupAccuracy] = Field(default_factory=dict)
    by_margin: list[MarginBucket] = Field(default_factory=list, description="Empty without a margin column.")
    split: str | None = None
    plot: str | None = Field(default=None, description="Where the reward-distribution PNG was written.")
    subsets: dict[str, GroupAccuracy] = Field(
        default_factory=dict, description="RewardBench: pairwise accuracy per subset."
    )
    sections: dict[str, SectionScore] = Field(
        default_factory=dict, description="RewardBench: Chat, Chat Hard, Safety, Reasoning."
    )
    best_of_n: dict[str, Score] = Field(
        default_factory=dict, description="RewardBench 2: best-of-N score per subset (Ties in `ties`)."
    )
    ties: TiesScore | None = None
    style_matrix: StyleScores | None = Field(default=None, description="RM-Bench.")
    benchmark_score: BenchmarkScore | None = None
    length_bias: LengthBias | None = None
    calibration: Calibration | None = None
    reward_stats: dict[str, RewardStats] = Field(
        default_factory=dict, description="`chosen`, `rejected` and `all` completions."
    )
    dropped: dict[str, int] = Field(default_factory=dict, description="Rows not evaluated, per reason.")
    truncated: int = Field(
        default=0, description="Items whose sequences `max_length` cut (evaluated on the kept tokens)."
    )
    max_length: int | None = Field(default=None, description="The token limit sequences were cut to, if any.")
    report: str | None = Field(default=None, description="Where the HTML report was written.")
    rewards: list[list[float]] = Field(default_factory=list, exclude=True, repr=False)
    lengths: list[list[int]] = Field(default_factory=list, exclude=True, repr=False)
    n_chosen: list[int] = Field(default_factory=list, exclude=True, repr=False)
    chosen_rewards: list[float] = Field(default_factory=list, exclude=True, repr=False)
    rejected_rewards: list[float] = Field(default_factory=list, exclude=True, repr=False)
