"""Evaluation of a reward model: reading evaluation sets and every metric of the report.

| module          | role                                                                 |
| --------------- | -------------------------------------------------------------------- |
| `eval_sets`     | `read_eval_set`: canonical folder or raw file -> `EvalSet`           |
| `eval_shapes`   | which shape and benchmark a table is (detected, or checked)          |
| `list_items`    | best-of-N and style-list items, with counted drops                   |
| `eval_summary`  | `summarise`: rewards and lengths -> `EvaluationReport`               |
| `report_model`  | the report's pydantic models (`evaluation_schema` writes its schema) |
| `item_pairs`    | every (chosen, rejected) combination of each item                    |
| `group_views`   | accuracy by column value and by margin bucket                        |
| `rewardbench`   | RewardBench v1 subsets, sections, overall                            |
| `best_of_n`     | RewardBench 2 best-of-N credit, Ties, overall                        |
| `style_matrix`  | RM-Bench k x k matrix, hard / normal / easy                          |
| `length_bias`   | accuracy by which side is longer; reward-length correlations         |
| `calibration`   | reliability bins and expected calibration error                      |
| `intervals`     | Wilson and bootstrap confidence intervals                            |

Pure numpy/pyarrow: nothing here needs torch or a model.
"""
