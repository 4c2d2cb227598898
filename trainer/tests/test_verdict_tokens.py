"""The yes/no scorer's verdict tokens: `auto` takes the first pair that is one token each, so a tokenizer that
splits ' YES' (SmolLM2: ' Y' + 'ES') still gets a scorer instead of a bad_input failure at the sweWorld stage."""

import pytest

from swe_forge_trainer.config import ConfigError
from swe_forge_trainer.runtime import verdict_ids


class Vocab:
    """A tokenizer that knows whole words from a table and splits everything else into characters."""

    def __init__(self, words: dict[str, int]):
        self.words = words

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        if text in self.words:
            return [self.words[text]]
        return [1000 + ord(c) for c in text]


def test_auto_keeps_the_first_pair_when_it_is_one_token_each():
    tok = Vocab({" YES": 5, " NO": 6, " Yes": 7, " No": 8})
    assert verdict_ids(tok, "auto", "auto", "score") == (5, 6)


def test_auto_falls_back_when_YES_splits():
    # SmolLM2-135M-Instruct: ' YES' -> [718, 2097], ' NO' -> [10921], ' Yes' -> [9230], ' No' -> [2838].
    tok = Vocab({" NO": 10921, " Yes": 9230, " No": 2838})
    assert verdict_ids(tok, "auto", "auto", "train-verifier") == (9230, 2838)


def test_auto_without_any_pair_names_both_fields():
    with pytest.raises(ConfigError, match=r"'train-verifier.yes_token' / 'train-verifier.no_token'"):
        verdict_ids(Vocab({}), "auto", "auto", "train-verifier")


def test_explicit_tokens_must_be_one_token():
    tok = Vocab({" NO": 6})
    with pytest.raises(ConfigError, match=r"'score.yes_token' \(' YES'\) must encode to exactly one token"):
        verdict_ids(tok, " YES", " NO", "score")
