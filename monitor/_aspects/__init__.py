"""Aspects: what a mention talks about (price, delivery, product quality, customer service,
app/website, staff, availability, or the config's own), by keywords plus embedding similarity.

Modules: :mod:`~monitor._aspects.defaults` (the built-in aspects, described in the five
languages), :mod:`~monitor._aspects.keywords` (word-boundary keyword matching on folded
text) and :mod:`~monitor._aspects.tagger` (the pure tagger over texts, languages and
vectors). Pure: no I/O, no model loading.
"""

from __future__ import annotations

from monitor._aspects.defaults import DEFAULT_ASPECTS, Aspect
from monitor._aspects.keywords import KeywordIndex, keyword_fold, keyword_problem

__all__ = ["DEFAULT_ASPECTS", "Aspect", "KeywordIndex", "keyword_fold", "keyword_problem"]
