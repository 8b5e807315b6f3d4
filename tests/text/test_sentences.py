"""Sentence splitting stays bounded: a page with no punctuation is cut into pieces."""

from __future__ import annotations

from geo.text._sentences import MAX_SENTENCE, split_sentences


def test_unpunctuated_text_is_cut_at_white_space_into_bounded_sentences() -> None:
    text = "  " + "the column moved along the valley road past the farms " * 2000
    sentences = split_sentences(text)
    assert len(sentences) > len(text) // MAX_SENTENCE
    for sentence in sentences:
        assert len(sentence.text) <= MAX_SENTENCE
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.end == len(text.rstrip()) or text[sentence.end].isspace()  # whole words
    assert [s.index for s in sentences] == list(range(len(sentences)))
    assert " ".join(s.text for s in sentences).split() == text.split()  # nothing lost


def test_one_endless_word_is_cut_too() -> None:
    text = "x" * (3 * MAX_SENTENCE + 7)
    sentences = split_sentences(text)
    assert [len(s.text) for s in sentences] == [MAX_SENTENCE] * 3 + [7]
    assert "".join(s.text for s in sentences) == text


def test_ordinary_sentences_are_not_cut() -> None:
    long_one = "Witnesses said " + "that the convoy waited, " * 30 + "then it left Gori."
    assert MAX_SENTENCE > len(long_one) > 600
    sentences = split_sentences(f"{long_one} Troops stayed.\nA second line")
    assert [s.text for s in sentences] == [long_one, "Troops stayed.", "A second line"]
