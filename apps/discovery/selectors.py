"""Reads of the public listing (the kota's city-wide market search)."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.functions import Greatest

from apps.discovery.search import WordSimilar
from apps.discovery.text import prefix_tsquery, query_words
from apps.tenancy.models import Tenant

from .models import Listing

# pg_trgm's default word-similarity threshold (0.6) misses one-letter typos in short words
# ("kripik" vs "keripik" scores 0.57); 0.5 still keeps unrelated names out.
WORD_SIMILARITY_THRESHOLD = 0.5


def listings_of_kota(kota: Tenant) -> QuerySet[Listing]:
    return Listing.objects.filter(Q(kota=kota) | Q(tenant__parent=kota), tenant__status=Tenant.Status.ACTIVE)


def search(kota: Tenant, query: str, *, limit: int = 60) -> list[Listing]:
    """Listings of the kota's kelurahan matching `query` (full text, prefix, or trigram)."""
    words = query_words(query)
    base = listings_of_kota(kota).select_related("tenant")
    if not words:
        return list(base.order_by("-in_stock", "-updated_at", "id")[:limit])
    text = " ".join(words)
    tsquery = SearchQuery(prefix_tsquery(words), search_type="raw", config="simple")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s", [WORD_SIMILARITY_THRESHOLD])
        found = (
            base.filter(Q(search_vector=tsquery) | WordSimilar("search_name", text))
            .annotate(
                rank=Greatest(
                    SearchRank(F("search_vector"), tsquery),
                    TrigramWordSimilarity(text, "search_name"),
                    output_field=FloatField(),
                )
            )
            .order_by("-in_stock", "-rank", "price", "id")[:limit]
        )
        return list(found)
