"""Data preparation: reading a canonical folder, choosing its splits, tokenising, truncating, collating.

| module              | holds                                                               |
| ------------------- | ------------------------------------------------------------------- |
| `canonical_reader`  | loading a `prefdata convert` folder, its pair shape and texts       |
| `split_choice`      | which split trains and which evaluates (the one place it is chosen) |
| `preprocessing`     | tokenising TRL's four dataset shapes                                |
| `truncation`        | length limits and the drops they cause                              |
| `map_cache`         | where prepared datasets are cached                                  |
| `collator`          | `DataCollatorForPreference`                                         |
| `packing`           | padding-free batches                                                |
| `prefix_sharing`    | a pair's prompt run once for chosen and rejected                    |
"""
