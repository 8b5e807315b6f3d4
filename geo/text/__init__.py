"""Reading reports, splitting sentences and resolving dates: the first stage."""

from geo.text._articles import (
    Batch,
    Skipped,
    article_from_record,
    clean_text,
    iter_articles,
    parse_date,
    read_articles,
    sample_corpus_path,
)
from geo.text._date_patterns import FOLD_TO_ASCII, word_key, word_mapped
from geo.text._dates import (
    DateMention,
    ResolvedDate,
    find_dates,
    find_dates_within,
    resolvable_spans,
)
from geo.text._sentences import Sentence, split_sentences
from geo.text._yaml import BoundedLoader, bounded_loader

__all__ = [
    "FOLD_TO_ASCII",
    "Batch",
    "BoundedLoader",
    "DateMention",
    "ResolvedDate",
    "Sentence",
    "Skipped",
    "article_from_record",
    "bounded_loader",
    "clean_text",
    "find_dates",
    "find_dates_within",
    "iter_articles",
    "parse_date",
    "read_articles",
    "resolvable_spans",
    "sample_corpus_path",
    "split_sentences",
    "word_key",
    "word_mapped",
]
