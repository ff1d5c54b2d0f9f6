"""Hypothesis strategies for metric property tests: short texts in several scripts."""

from __future__ import annotations

from hypothesis import strategies as st

# Words from several scripts, punctuation-only tokens and empty strings, so
# that random texts hit tokenizer edge cases of every reference library.
WORDS = [
    "the", "cat", "sat", "on", "a", "mat", "running", "runs", "dogs", "dog's", "quickly", "jumped", "over",
    "lazy", "fox", "houses", "house", "Mr.", "U.S.", "3.5", "1,000", "don't", "can't", "New", "York", "café",
    "naïve", "Straße", "ÉCOLE", "上海", "我们", "今天", "天气", "很好", "東京", "カタカナ", "ひらがな", "서울",
    "한국어", "Москва", "привет", "мир", "สวัสดี", "ครับ", "नमस्ते", "مرحبا", "Ελλάδα", ",", ".", "!", "?",
    "...", "-", "--", "(", ")", "\"", "'", ";", ":", "%", "$", "&", "@", "#", "…", "。", "，", "！",
]

word = st.sampled_from(WORDS)
sentence = st.lists(word, min_size=0, max_size=12).map(" ".join)
punctuation_only = st.lists(st.sampled_from([",", ".", "!", "?", "...", "-", "。", "(", ")"]), min_size=1, max_size=5).map(
    " ".join
)
text = st.one_of(sentence, sentence, sentence, punctuation_only, st.just(""))
multi_sentence_text = st.lists(sentence, min_size=0, max_size=4).map("\n".join)


@st.composite
def corpus(draw, min_samples: int = 1, max_samples: int = 8, min_refs: int = 1, max_refs: int = 4, texts=text):  # type: ignore[no-untyped-def]
    """Draw (hypotheses, references) with a varying number of references per sample."""
    size = draw(st.integers(min_samples, max_samples))
    hypotheses = [draw(texts) for _ in range(size)]
    references = [draw(st.lists(texts, min_size=min_refs, max_size=max_refs)) for _ in range(size)]
    return hypotheses, references
