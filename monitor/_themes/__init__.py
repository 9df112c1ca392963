"""Themes: a brand's mentions grouped across languages, named by their distinctive terms,
kept from day to day.

Pure parts: :mod:`~monitor._themes.cluster` (the language-centred space, assignment,
discovery; the thresholds), :mod:`~monitor._themes.terms` (c-TF-IDF terms per language, the
English gist) with :mod:`~monitor._themes.stopwords`, and :mod:`~monitor._themes.plan` (one
update on plain arrays). :mod:`~monitor._themes.update` runs an update against the store.
"""
