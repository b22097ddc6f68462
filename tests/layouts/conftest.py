"""Fixtures for the layout tests: a tiny chat tokenizer with a tool-aware ChatML template."""

from __future__ import annotations

import pytest
from layout_checks import CHAT_TEMPLATE


@pytest.fixture(scope="session")
def chat_tokenizer():
    """A tiny word-level fast tokenizer (trained on a few strings) with the ChatML tool template."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["[UNK]", "<|im_start|>", "<|im_end|>", "<|endoftext|>"]
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    texts = ["What is the weather in Paris?", "It is sunny and 18 degrees.", "Convert 50 euros to yen."]
    tok.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=specials))
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast
