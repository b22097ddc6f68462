"""Batch-level steps of conversion: whole Arrow record batches at a time, for the layouts they cover.

`lane.BatchPlan` converts a batch with the same output, rejects and counts as the row path
(`prefdata.transforms.pairs`), which stays the reference: every row the batch steps are not
sure of is handed to it.
"""
