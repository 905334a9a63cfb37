"""Query expressions for the GIN-indexed search (django.contrib.postgres is not an installed
app here, so its `trigram_word_similar` lookup is not registered; this is the same operator)."""

from __future__ import annotations

from django.db.models import BooleanField, F, Func, Value


class WordSimilar(Func):
    """`column %> 'query'`: pg_trgm word similarity above pg_trgm.word_similarity_threshold,
    served by a gin_trgm_ops index on the column."""

    template = "(%(expressions)s)"
    arg_joiner = " %%> "
    output_field = BooleanField()

    def __init__(self, column: str, query: str) -> None:
        super().__init__(F(column), Value(query))
