"""Text normalisation for deduplication and decontamination.

Two forms, both computed a column at a time with Arrow's string kernels:

- the **dedup form** (`dedup_form`): Unicode NFKC, lower case, invisible characters removed,
  runs of white space as one space, none at either end. Punctuation and symbols stay:
  `What is 2+2?` and `What is 2*2?` are different prompts, and so are two prompts of emoji alone.
- the **n-gram form** (`normalise`), for decontamination, where a benchmark prompt must be
  found again after light editing:

| step | what | why |
| --- | --- | --- |
| 1 | Unicode NFKC | full-width letters, ligatures, compatibility forms become plain |
| 2 | lower case (Unicode) | `Paris` and `paris` are the same word |
| 2b | invisible characters removed (1) | `Par\u200bis` is `Paris`: a way around a filter |
| 3 | punctuation and symbols (categories P, S) become spaces | quotes, dashes, markdown |
| 4 | each character of a script written without spaces stands apart | no spaces to split on |
| 5 | runs of white space become one space, none at either end | layout is not content |

(1) soft hyphen, zero-width space, word joiner, BOM, Mongolian vowel separator.

Step 4 covers Han, Hiragana, Katakana, Thai, Lao, Khmer and Myanmar: each character is a word.

Words are the normalised text split on its spaces. Letters of other scripts (Cyrillic, Greek,
Arabic, Devanagari, Hangul...) keep their words as written between spaces.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

_UNSPACED = r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]"
# After NFKC every Unicode space but U+1680 is U+0020; a run of separators (with the spaces
# around it) becomes one space. Single spaces between words are not matched at all, which
# keeps the replacement fast (most characters of a text never start a match).
_SEPARATOR = r"[\p{P}\p{S}\p{Zl}\p{Zp}\t\n\r\f\v\x{85}\x{1680}]"
_SEPARATORS = f"(?: ?{_SEPARATOR}| {{2,}})+ ?"


# Characters that show nothing and join nothing: inserted, they would hide a copy. Zero-width
# (non-)joiners are left alone: they change how Persian, Indic scripts and emoji are written.
_INVISIBLE = r"[\x{ad}\x{180e}\x{200b}\x{2060}\x{feff}]"

_SPACES = r"[\t\n\r\f\v\x{85}\x{1680}\p{Zl}\p{Zp}]+ *| {2,}"


def _folded(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """NFKC and lower case (nulls as empty strings): the first steps of both forms."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    texts = pc.fill_null(texts.cast(pa.large_string()), "")
    texts = pc.utf8_lower(pc.utf8_normalize(texts, form="NFKC"))
    return pc.replace_substring_regex(texts, pattern=_INVISIBLE, replacement="")


def dedup_form(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The dedup form of `texts`: NFKC, lower case, white space collapsed; punctuation kept."""
    texts = pc.replace_substring_regex(_folded(texts), pattern=f"(?:{_SPACES})+", replacement=" ")
    return pc.utf8_trim(texts, characters=" ")


def normalise(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The n-gram form of `texts` (a string array; nulls become empty strings)."""
    texts = _folded(texts)
    if pc.any(pc.match_substring_regex(texts, pattern=_UNSPACED)).as_py():
        texts = pc.replace_substring_regex(texts, pattern=f"({_UNSPACED})", replacement=r" \1 ")
    texts = pc.replace_substring_regex(texts, pattern=_SEPARATORS, replacement=" ")
    return pc.utf8_trim(texts, characters=" ")


def normalise_text(text: str) -> str:
    """One text, normalised as `normalise` does."""
    return str(normalise(pa.array([text]))[0].as_py())


def words(normalised: str) -> list[str]:
    """The words of a normalised text."""
    return normalised.split(" ") if normalised else []
