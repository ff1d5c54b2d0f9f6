"""The Porter stemmer exactly as nltk's ``PorterStemmer()`` computes it (mode NLTK_EXTENSIONS).

rouge_score stems with ``nltk.stem.porter.PorterStemmer()``, so ROUGE values
depend on that implementation's rules, including nltk's departures from
Porter (1980): the irregular forms table, ``ies``/``ied`` on four-letter
words, ``y -> i`` only after a consonant, ``alli`` applied before the other
step 2 rules, the ``fulli`` and ``logi`` rules, and the ``cvc`` test on
two-letter stems.

It is written here again for speed with identical output: nltk builds its
rule lists and closures on every call and spends about 9 µs per word, and
importing nltk takes about 1 s because it imports scipy. This version
classifies letters once per string with ``str.translate``, looks rules up by
the last letter of the word, and imports nothing. tests/text/test_porter.py
compares it with nltk on every word of the shipped data and on random
strings.
"""

from __future__ import annotations

from typing import Callable

__all__ = ["stem"]

# nltk's table of irregular forms: word -> stem.
_IRREGULAR = {
    "sky": "sky",
    "skies": "sky",
    "dying": "die",
    "lying": "lie",
    "tying": "tie",
    "news": "news",
    "innings": "inning",
    "inning": "inning",
    "outings": "outing",
    "outing": "outing",
    "cannings": "canning",
    "canning": "canning",
    "howe": "howe",
    "proceed": "proceed",
    "exceed": "exceed",
    "succeed": "succeed",
}

_VOWELS = "aeiou"

# ASCII character -> "v" (vowel), "c" (consonant) or "y" (decided by the
# letter before it).
_ASCII_CLASSES = {code: "c" for code in range(128)}
_ASCII_CLASSES.update({ord(letter): "v" for letter in _VOWELS})
_ASCII_CLASSES[ord("y")] = "y"


def _classes(word: str) -> str:
    """Classify each character of ``word`` as "c" or "v", by Porter's definition of a consonant.

    A letter other than a, e, i, o, u is a consonant, except that "y" is a
    vowel when the letter before it is a consonant. The class of a
    character depends only on the characters before it, so the classes of a
    prefix are the prefix of the classes.
    """
    if word.isascii():
        classes = word.translate(_ASCII_CLASSES)
    else:
        classes = "".join(_ASCII_CLASSES.get(ord(char), "c") for char in word)
    if "y" not in classes:
        return classes

    resolved: list[str] = []
    previous = "v"
    for char in classes:
        if char == "y":
            char = "c" if previous == "v" else "v"
        resolved.append(char)
        previous = char
    return "".join(resolved)


def _measure(stem: str) -> int:
    """Return Porter's m, the number of vowel-consonant sequences in the form [C](VC){m}[V]."""
    return _classes(stem).count("vc")


def _contains_vowel(stem: str) -> bool:
    return "v" in _classes(stem)


def _ends_double_consonant(word: str) -> bool:
    return len(word) >= 2 and word[-1] == word[-2] and _classes(word)[-1] == "c"


def _ends_cvc(word: str) -> bool:
    """Test Porter's *o (ends consonant-vowel-consonant, last not w, x or y) or nltk's two-letter vowel-consonant case."""
    classes = _classes(word)
    if len(word) >= 3:
        return classes[-3:] == "cvc" and word[-1] not in "wxy"
    return len(word) == 2 and classes == "vc"


def _positive_measure(word: str, stem: str) -> bool:
    return _measure(stem) > 0


def _measure_above_one(word: str, stem: str) -> bool:
    return _measure(stem) > 1


def _logi_condition(word: str, stem: str) -> bool:
    # nltk keeps the "l" of "logi" with the stem: the measure is taken of word[:-3].
    return _measure(word[:-3]) > 0


def _ion_condition(word: str, stem: str) -> bool:
    return _measure(stem) > 1 and stem[-1] in "st"


_Condition = Callable[[str, str], bool]
_Rules = dict[str, list[tuple[str, str, _Condition]]]


def _by_last_letter(rules: list[tuple[str, str, _Condition]]) -> _Rules:
    """Group rules by the last letter of their suffix, keeping their order.

    nltk applies the first rule in list order whose suffix the word ends
    with. Only rules whose suffix ends in the word's last letter can match,
    so trying that group in order selects the same rule.
    """
    grouped: _Rules = {}
    for rule in rules:
        grouped.setdefault(rule[0][-1], []).append(rule)
    return grouped


_STEP2 = _by_last_letter(
    [
        ("ational", "ate", _positive_measure),
        ("tional", "tion", _positive_measure),
        ("enci", "ence", _positive_measure),
        ("anci", "ance", _positive_measure),
        ("izer", "ize", _positive_measure),
        ("bli", "ble", _positive_measure),
        ("alli", "al", _positive_measure),
        ("entli", "ent", _positive_measure),
        ("eli", "e", _positive_measure),
        ("ousli", "ous", _positive_measure),
        ("ization", "ize", _positive_measure),
        ("ation", "ate", _positive_measure),
        ("ator", "ate", _positive_measure),
        ("alism", "al", _positive_measure),
        ("iveness", "ive", _positive_measure),
        ("fulness", "ful", _positive_measure),
        ("ousness", "ous", _positive_measure),
        ("aliti", "al", _positive_measure),
        ("iviti", "ive", _positive_measure),
        ("biliti", "ble", _positive_measure),
        ("fulli", "ful", _positive_measure),
        ("logi", "log", _logi_condition),
    ]
)

_STEP3 = _by_last_letter(
    [
        ("icate", "ic", _positive_measure),
        ("ative", "", _positive_measure),
        ("alize", "al", _positive_measure),
        ("iciti", "ic", _positive_measure),
        ("ical", "ic", _positive_measure),
        ("ful", "", _positive_measure),
        ("ness", "", _positive_measure),
    ]
)

_STEP4 = _by_last_letter(
    [
        ("al", "", _measure_above_one),
        ("ance", "", _measure_above_one),
        ("ence", "", _measure_above_one),
        ("er", "", _measure_above_one),
        ("ic", "", _measure_above_one),
        ("able", "", _measure_above_one),
        ("ible", "", _measure_above_one),
        ("ant", "", _measure_above_one),
        ("ement", "", _measure_above_one),
        ("ment", "", _measure_above_one),
        ("ent", "", _measure_above_one),
        ("ion", "", _ion_condition),
        ("ou", "", _measure_above_one),
        ("ism", "", _measure_above_one),
        ("ate", "", _measure_above_one),
        ("iti", "", _measure_above_one),
        ("ous", "", _measure_above_one),
        ("ive", "", _measure_above_one),
        ("ize", "", _measure_above_one),
    ]
)


def _apply_first_rule(word: str, rules: _Rules) -> str:
    """Apply the first rule whose suffix ``word`` ends with. When its condition fails, try no other rule."""
    for suffix, replacement, condition in rules.get(word[-1:], ()):
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            return stem + replacement if condition(word, stem) else word
    return word


def _step1a(word: str) -> str:
    if word.endswith("ies") and len(word) == 4:
        return word[:-3] + "ie"
    if word.endswith("sses") or word.endswith("ies"):
        return word[:-2]
    if word.endswith("ss"):
        return word
    if word.endswith("s"):
        return word[:-1]
    return word


def _step1b(word: str) -> str:
    if word.endswith("ied"):
        return word[:-3] + ("ie" if len(word) == 4 else "i")

    if word.endswith("eed"):
        stem = word[:-3]
        return stem + "ee" if _measure(stem) > 0 else word

    if word.endswith("ed") and _contains_vowel(word[:-2]):
        stem = word[:-2]
    elif word.endswith("ing") and _contains_vowel(word[:-3]):
        stem = word[:-3]
    else:
        return word

    if stem.endswith("at") or stem.endswith("bl") or stem.endswith("iz"):
        return stem + "e"
    if _ends_double_consonant(stem):
        return stem if stem[-1] in "lsz" else stem[:-1]
    if stem.endswith("*d"):
        # nltk marks the double-consonant rule with the suffix "*d" and also
        # tests "*d" as a literal suffix. A stem ending in "*d" loses the "*".
        return stem[:-2] + "d"
    if _measure(stem) == 1 and _ends_cvc(stem):
        return stem + "e"
    return stem


def _step1c(word: str) -> str:
    if word.endswith("y"):
        stem = word[:-1]
        if len(stem) > 1 and _classes(stem)[-1] == "c":
            return stem + "i"
    return word


def _step2(word: str) -> str:
    if word.endswith("alli") and _measure(word[:-4]) > 0:
        return _step2(word[:-4] + "al")
    return _apply_first_rule(word, _STEP2)


def _step5a(word: str) -> str:
    if word.endswith("e"):
        stem = word[:-1]
        measure = _measure(stem)
        if measure > 1 or (measure == 1 and not _ends_cvc(stem)):
            return stem
    return word


def _step5b(word: str) -> str:
    if word.endswith("ll") and _measure(word[:-1]) > 1:
        return word[:-1]
    return word


def stem(word: str) -> str:
    """Return the Porter stem of ``word``, equal to ``nltk.stem.porter.PorterStemmer().stem(word)``.

    The word is lower-cased first. Words of one or two characters are
    returned lower-cased and otherwise unchanged.
    """
    lowered = word.lower()
    irregular = _IRREGULAR.get(lowered)
    if irregular is not None:
        return irregular
    if len(word) <= 2:
        return lowered

    result = _step1a(lowered)
    result = _step1b(result)
    result = _step1c(result)
    result = _step2(result)
    result = _apply_first_rule(result, _STEP3)
    result = _apply_first_rule(result, _STEP4)
    result = _step5a(result)
    return _step5b(result)
