"""Language codes and the script facts that choose tokenizers and defaults."""

from __future__ import annotations

# Languages whose writing separates words with no spaces (scriptio continua):
# word-level WER and whitespace tokenization are meaningless for them.
SCRIPTIO_CONTINUA_LANGUAGES: frozenset[str] = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo", "dz"})

# Languages normally written in a script other than Latin. rouge_score's
# tokenizer keeps only ASCII letters and digits, so these need another one.
NON_LATIN_LANGUAGES: frozenset[str] = frozenset(
    {
        # CJK and South-East Asian
        "zh", "ja", "ko", "th", "lo", "km", "my", "bo", "dz",
        # Cyrillic
        "ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "mn", "tg", "tt", "ba", "cv",
        # Greek, Armenian, Georgian
        "el", "hy", "ka",
        # Hebrew, Arabic and related
        "he", "yi", "ar", "fa", "ur", "ps", "sd", "ug", "ckb", "dv",
        # Indic
        "hi", "mr", "ne", "sa", "bn", "as", "pa", "gu", "or", "ta", "te", "kn", "ml", "si",
        # Ethiopic
        "am", "ti",
    }
)


def primary_language(language: str | None) -> str | None:
    """Return the lower-case primary subtag of a BCP 47 code (``zh-Hans-CN`` -> ``zh``), or None."""
    if language is None:
        return None
    code = language.strip().replace("_", "-").split("-")[0].lower()
    return code or None


def writes_without_spaces(language: str | None) -> bool:
    """Return True for languages written without spaces between words (Chinese, Japanese, Thai ...)."""
    return primary_language(language) in SCRIPTIO_CONTINUA_LANGUAGES


def default_asr_metric(language: str | None) -> str:
    """Return ``cer`` for languages written without spaces (Chinese, Japanese, Thai ...), else ``wer``."""
    return "cer" if writes_without_spaces(language) else "wer"
