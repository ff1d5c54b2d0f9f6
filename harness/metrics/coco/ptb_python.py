"""A pure-Python approximation of Stanford PTBTokenizer (CoreNLP 3.4.1) for captions.

It reproduces what pycocoevalcap's Java tokenization yields on caption-like
text: ``-lowerCase`` output with pycocoevalcap's punctuation tokens dropped.
It is not a full PTB lexer. It implements the abbreviation lists, clitics,
number and hyphen rules that captions use. Tokens are identical to the Java
tokenizer on the 1000 COCO fakecap images (tests/metrics/test_captioning_reference.py);
other text may differ, so ``ptb`` (Java) stays the default.
"""

from __future__ import annotations

import re
from typing import Sequence

from harness.metrics.coco.ptb import PUNCTUATIONS

# Abbreviations that keep their period (PTBLexer ABBREV1..3 lists of CoreNLP 3.4.1, caption-relevant part).
_ABBREVIATIONS = frozenset(
    """
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri
    ala ariz calif colo conn ct dak fla ga ind kan kans ky la md mich minn mo mont neb
    nev okla penn tenn va vt wis wisc wyo
    inc co cos corp pty ltd plc bancorp dept bhd assn univ intl sys tel est ext sq jr sr bros blvd rd esq
    etc al seq mr mrs ms drs dr prof profs sen sens rep reps atty attys lt col gen messrs gov govs adm rev maj
    sgt cpl pvt mt capt st ste ave pres lieut hon brig cmdr comdr pfc spc supt supts det mme mmes mlle mlles
    ft vs no nos
    """.split()
)

# Abbreviations that are also common words keep their period only when capitalized ("Wash." but "wash.").
_CAPITALIZED_ABBREVIATIONS = frozenset("Az Ark Del Ill Mass Miss Ore Pa Tex Wash".split())

_CLITICS = ("'s", "'re", "'ve", "'ll", "'d", "'m")
_SPECIAL_SPLITS = {
    "cannot": ["can", "not"],
    "gonna": ["gon", "na"],
    "gotta": ["got", "ta"],
    "wanna": ["wan", "na"],
    "lemme": ["lem", "me"],
    "gimme": ["gim", "me"],
}
_BRACKETS = {"(": "-LRB-", ")": "-RRB-", "[": "-LSB-", "]": "-RSB-", "{": "-LCB-", "}": "-RCB-"}
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
        "\u2014": " -- ", "\u2013": " -- ", "\u2026": " ... ", "\u00a0": " ",
    }
)

_NUMBER = re.compile(r"[0-9]+(?:[-.,:/][0-9]+)*")
_FRACTION = re.compile(r"^[0-9]+/[0-9]+$")
_ACRONYM = re.compile(r"(?:[a-z]\.)+[a-z]?\.?", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:[-./&'][^\W_]+)*")


def _split_word(word: str) -> list[str]:
    """Split clitics and special forms off a word without surrounding punctuation."""
    lower = word.lower()
    if lower in _SPECIAL_SPLITS:
        first, second = _SPECIAL_SPLITS[lower]
        return [word[: len(first)], word[len(first) :]]
    if lower.endswith("n't") and len(word) > 3:
        return [word[:-3], word[-3:]]
    for clitic in _CLITICS:
        if lower.endswith(clitic) and len(word) > len(clitic):
            return [word[: -len(clitic)], word[-len(clitic) :]]
    return [word]


def _keeps_period(word: str, rest: str, last_chunk: bool) -> bool:
    """Return True when the period after ``word`` belongs to it (an abbreviation), as PTBLexer decides."""
    if rest and rest[0] in ",;:":
        return True
    if word in _CAPITALIZED_ABBREVIATIONS:
        return True
    if word.lower() in _ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():
        # A single letter is an initial ("W. Centre"), except "I" and a letter ending the line.
        return word != "I" and not (last_chunk and not rest)
    return False


def _tokenize_chunk(chunk: str, last_chunk: bool) -> list[str]:
    tokens: list[str] = []
    position = 0
    length = len(chunk)
    while position < length:
        character = chunk[position]
        if character in _BRACKETS:
            tokens.append(_BRACKETS[character])
            position += 1
            continue
        if chunk.startswith("...", position):
            tokens.append("...")
            position += 3
            continue
        if chunk.startswith("--", position):
            tokens.append("--")
            position += 2
            continue
        if character in "#@" and position + 1 < length and chunk[position + 1].isalpha():
            match = _WORD.match(chunk, position + 1)
            if match is None:
                tokens.append(character)
                position += 1
                continue
            tokens.append(character + match.group(0))
            position = match.end()
            continue
        if character == "$" or character == "%" or character == "*" or character in "<>&;:,!?=+~^|\\":
            tokens.append(character)
            position += 1
            continue
        if character == '"':
            tokens.append("``" if not tokens or position == 0 else "''")
            position += 1
            continue
        if character in "'`":
            clitic = next((c for c in _CLITICS + ("n't",) if chunk.lower().startswith(c, position)), None)
            if clitic and (position + len(clitic) == length or not chunk[position + len(clitic)].isalnum()):
                tokens.append(chunk[position : position + len(clitic)])
                position += len(clitic)
                continue
            tokens.append("'" if character == "'" else "`")
            position += 1
            continue
        if "0" <= character <= "9":
            match = _NUMBER.match(chunk, position)
            assert match is not None  # the pattern starts with [0-9]
            end = match.end()
            # "12th" is one word, but "5:54pm" is a number and a word.
            if end < length and chunk[end].isalpha() and match.group(0).isdigit():
                word_match = _WORD.match(chunk, position)
                assert word_match is not None  # chunk[position] is an ASCII digit
                end = word_match.end()
            tokens.extend(_split_word(chunk[position:end]))
            position = end
            continue
        if character.isalnum():
            match = _ACRONYM.match(chunk, position)
            if match and match.group(0).count(".") >= 2:
                tokens.append(match.group(0))
                position = match.end()
                continue
            match = _WORD.match(chunk, position)
            if match is None:
                # An alphanumeric character that the regex word class excludes.
                tokens.append(character)
                position += 1
                continue
            end = match.end()
            word = chunk[position:end]
            if end < length and chunk[end] == "." and not chunk.startswith("...", end):
                if _keeps_period(word, chunk[end + 1 :], last_chunk):
                    parts = _split_word(word)
                    tokens.extend(parts[:-1] + [parts[-1] + "."])
                    position = end + 1
                    continue
            tokens.extend(_split_word(word))
            position = end
            continue
        if character == ".":
            tokens.append(".")
            position += 1
            continue
        if character == "-":
            tokens.append("-")
            position += 1
            continue
        tokens.append(character)
        position += 1
    return tokens


def tokenize_line(caption: str) -> list[str]:
    """Return the PTB tokens of one caption, before lower-casing and punctuation removal."""
    tokens: list[str] = []
    chunks = caption.translate(_TRANSLATE).split()
    previous: list[str] = []
    for index, chunk in enumerate(chunks):
        chunk_tokens = _tokenize_chunk(chunk, last_chunk=0 < index == len(chunks) - 1)
        # PTBLexer joins a whole number and a fraction ("22 3/4") with a no-break space.
        if len(previous) == 1 and previous[0].isdigit() and chunk_tokens and _FRACTION.match(chunk_tokens[0]):
            tokens[-1] = tokens[-1] + "\u00a0" + chunk_tokens[0]
            chunk_tokens = chunk_tokens[1:]
        tokens.extend(chunk_tokens)
        previous = chunk_tokens
    return tokens


def tokenize_python(captions: Sequence[str]) -> list[str]:
    """Tokenize captions like ``tokenize_java``: lower-cased tokens, punctuation dropped, space-joined."""
    results = []
    for caption in captions:
        tokens = [token.lower() for token in tokenize_line(caption)]
        results.append(" ".join(token for token in tokens if token not in PUNCTUATIONS))
    return results
