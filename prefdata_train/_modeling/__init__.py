"""The reward model: loading it and its tokenizer, variable-length attention, reading rewards."""
