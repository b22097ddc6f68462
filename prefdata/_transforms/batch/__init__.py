"""Batch-level steps of conversion: pure functions over whole Arrow record batches.

The batch lane (`prefdata._engine.lane.BatchPlan`) runs them for the layouts they cover, with
the same output, rejects and counts as the row path (`prefdata._transforms.pairs`), which stays
the reference: every row the batch steps are not sure of is handed to it.
"""
