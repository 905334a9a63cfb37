"""Serializers of the procurement API. Shapes only: every rule is checked by the services.

Public shapes (awards) carry no personal data: business names and amounts, never people.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.procurement import policy, selectors
from apps.procurement.models import (
    Award,
    Evaluation,
    ProcurementEvent,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
    QuoteLine,
    QuoteRevision,
    QuoteScore,
    RequestItem,
)

# --- reading ------------------------------------------------------------------------------


def _one(obj: Any, name: str) -> Any:
    """A reverse one-to-one (award, order) or None; select_related it to save the query."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


class ProcurementItemSerializer(serializers.ModelSerializer[RequestItem]):
    class Meta:
        model = RequestItem
        fields = ["id", "position", "description", "quantity", "unit", "kbli_code"]
        read_only_fields = fields


class ProcurementAwardBriefSerializer(serializers.ModelSerializer[Award]):
    business_name = serializers.CharField(source="quote.business_name", read_only=True)

    class Meta:
        model = Award
        fields = ["business_name", "amount", "quote_count", "summary", "awarded_at"]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer[PurchaseOrder]):
    payment_label = serializers.CharField(source="get_payment_status_display", read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseOrder
        fields = [
            "number",
            "amount",
            "issued_at",
            "delivered_on",
            "delivery_note",
            "accepted_at",
            "accepted_amount",
            "partially_accepted",
            "acceptance_reason",
            "payment_status",
            "payment_label",
            "paid_on",
            "payment_reference",
            "paid_amount",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_pdf_url(self, obj: PurchaseOrder) -> str:
        return reverse("procurement:order_pdf", args=[obj.request_id])


class PurchaseRequestSerializer(serializers.ModelSerializer[PurchaseRequest]):
    """A request as its viewer may see it: the quote count, order and actions depend on who asks."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    items = ProcurementItemSerializer(many=True, read_only=True)
    delivery_lat = serializers.FloatField(read_only=True, allow_null=True)
    delivery_lng = serializers.FloatField(read_only=True, allow_null=True)
    deadline_passed = serializers.SerializerMethodField()
    quote_count = serializers.SerializerMethodField(help_text=_("Hanya untuk petugas; null bagi yang lain."))
    my_quote = serializers.SerializerMethodField(help_text=_("Id penawaran pengguna ini, bila ada."))
    award = serializers.SerializerMethodField()
    order = serializers.SerializerMethodField(help_text=_("Untuk petugas dan UMKM pemenang."))
    actions = serializers.SerializerMethodField(help_text=_("Langkah yang boleh diambil pengguna ini sekarang."))

    class Meta:
        model = PurchaseRequest
        fields = [
            "id",
            "title",
            "description",
            "unit_name",
            "status",
            "status_label",
            "status_reason",
            "budget_ceiling",
            "quote_deadline",
            "deadline_passed",
            "delivery_address",
            "delivery_lat",
            "delivery_lng",
            "delivery_date",
            "items",
            "published_at",
            "created_at",
            "quote_count",
            "my_quote",
            "award",
            "order",
            "actions",
        ]
        read_only_fields = fields

    def _user(self) -> Any:
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_deadline_passed(self, obj: PurchaseRequest) -> bool:
        return obj.deadline_passed()

    def get_quote_count(self, obj: PurchaseRequest) -> int | None:
        if not policy.is_staff(self._user()):
            return None
        total = getattr(obj, "quote_total", None)  # selectors.with_viewer_facts
        return int(total) if total is not None else obj.quotes.count()

    def get_my_quote(self, obj: PurchaseRequest) -> int | None:
        user = self._user()
        if not policy.is_signed_in(user):
            return None
        if hasattr(obj, "viewer_quote_id"):  # selectors.with_viewer_facts
            return obj.viewer_quote_id
        return obj.quotes.filter(supplier=user).values_list("pk", flat=True).first()

    @extend_schema_field(ProcurementAwardBriefSerializer(allow_null=True))
    def get_award(self, obj: PurchaseRequest) -> dict[str, Any] | None:
        award = _one(obj, "award")
        return dict(ProcurementAwardBriefSerializer(award).data) if award is not None else None

    @extend_schema_field(PurchaseOrderSerializer(allow_null=True))
    def get_order(self, obj: PurchaseRequest) -> dict[str, Any] | None:
        order = _one(obj, "order")
        award = _one(obj, "award")
        user = self._user()
        winner = award.quote.supplier_id if award is not None else None
        if order is None or not (policy.is_staff(user) or winner == getattr(user, "pk", None)):
            return None
        return dict(PurchaseOrderSerializer(order).data)

    def get_actions(self, obj: PurchaseRequest) -> list[str]:
        user = self._user()
        # The viewer's permits are read once per response (a list shares this context dict).
        memo = cast(dict[str, Any], self.context)
        if "_supplier_permits" not in memo:
            try:
                memo["_supplier_permits"] = selectors.supplier_permits(user)
            except selectors.PermitsUnavailable:
                memo["_supplier_permits"] = None
        return selectors.available_actions(obj, user, permits=memo["_supplier_permits"])


class ProcurementQuoteLineSerializer(serializers.ModelSerializer[QuoteLine]):
    description = serializers.CharField(source="item.description", read_only=True)
    quantity = serializers.DecimalField(source="item.quantity", max_digits=12, decimal_places=2, read_only=True)
    unit = serializers.CharField(source="item.unit", read_only=True)

    class Meta:
        model = QuoteLine
        fields = ["item", "description", "quantity", "unit", "unit_price", "total"]
        read_only_fields = fields


class ProcurementQuoteRevisionSerializer(serializers.ModelSerializer[QuoteRevision]):
    class Meta:
        model = QuoteRevision
        fields = ["number", "total", "delivery_date", "notes", "lines", "created_at"]
        read_only_fields = fields


class ProcurementQuoteSerializer(serializers.ModelSerializer[Quote]):
    request_title = serializers.CharField(source="request.title", read_only=True)
    lines = ProcurementQuoteLineSerializer(many=True, read_only=True)
    revisions = ProcurementQuoteRevisionSerializer(many=True, read_only=True)
    won = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "id",
            "request",
            "request_title",
            "business_name",
            "permit_number",
            "kbli_code",
            "total",
            "delivery_date",
            "notes",
            "revision",
            "submitted_at",
            "revised_at",
            "lines",
            "revisions",
            "won",
        ]
        read_only_fields = fields

    def get_won(self, obj: Quote) -> bool:
        won = getattr(obj, "won_flag", None)  # annotated by QuoteViewSet
        return bool(won) if won is not None else Award.objects.filter(quote=obj).exists()


class ProcurementScoreSerializer(serializers.ModelSerializer[QuoteScore]):
    business_name = serializers.CharField(source="quote.business_name", read_only=True)

    class Meta:
        model = QuoteScore
        fields = ["quote", "business_name", "price", "delivery", "quality", "total"]
        read_only_fields = fields


class ProcurementEvaluationSerializer(serializers.ModelSerializer[Evaluation]):
    evaluator: serializers.StringRelatedField[Any] = serializers.StringRelatedField()
    scores = ProcurementScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "evaluator", "rationale", "created_at", "scores"]
        read_only_fields = fields


class ProcurementEventSerializer(serializers.ModelSerializer[ProcurementEvent]):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor: serializers.StringRelatedField[Any] = serializers.StringRelatedField()
    reason = serializers.CharField(source="note", read_only=True)

    class Meta:
        model = ProcurementEvent
        fields = [
            "action",
            "action_label",
            "from_status",
            "to_status",
            "actor",
            "actor_role",
            "reason",
            "data",
            "created_at",
        ]
        read_only_fields = fields


class ProcurementPublicAwardSerializer(serializers.ModelSerializer[Award]):
    """One award on the transparency list: no names of people, no contact data."""

    request_title = serializers.CharField(source="request.title", read_only=True)
    unit_name = serializers.CharField(source="request.unit_name", read_only=True)
    business_name = serializers.CharField(source="quote.business_name", read_only=True)
    status = serializers.CharField(source="request.status", read_only=True)

    class Meta:
        model = Award
        fields = [
            "id",
            "request_title",
            "unit_name",
            "business_name",
            "amount",
            "awarded_at",
            "quote_count",
            "summary",
            "status",
        ]
        read_only_fields = fields


# --- writing ------------------------------------------------------------------------------


class ProcurementItemInputSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(allow_blank=True, max_length=255)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=_("Lebih dari 0"))
    unit = serializers.CharField(allow_blank=True, max_length=30, help_text=_("mis. kotak, kg, buah"))
    kbli_code = serializers.CharField(
        required=False, allow_blank=True, max_length=5, help_text=_("KBLI 2020, 2–5 digit (golongan pokok cukup)")
    )


class PurchaseRequestCreateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    unit_name = serializers.CharField(
        required=False, allow_blank=True, max_length=150, help_text=_("Unit pemesan; bawaan: nama kelurahan")
    )
    budget_ceiling = serializers.IntegerField(help_text=_("Pagu anggaran, rupiah bulat > 0"))
    quote_deadline = serializers.DateTimeField(help_text=_("Tanpa zona waktu = WIB (Asia/Jakarta)"))
    delivery_address = serializers.CharField(allow_blank=True, max_length=255)
    delivery_lat = serializers.FloatField(required=False, allow_null=True)
    delivery_lng = serializers.FloatField(required=False, allow_null=True)
    delivery_date = serializers.DateField()
    items = ProcurementItemInputSerializer(many=True)
    publish = serializers.BooleanField(default=False, help_text=_("Langsung umumkan ke UMKM yang memenuhi syarat"))


class ProcurementPriceInputSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField()
    unit_price = serializers.IntegerField(help_text=_("Rupiah bulat > 0"))


class ProcurementQuoteInputSerializer(serializers.Serializer[Any]):
    lines = ProcurementPriceInputSerializer(many=True, help_text=_("Satu harga untuk setiap barang permintaan"))
    delivery_date = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class ProcurementScoreInputSerializer(serializers.Serializer[Any]):
    quote = serializers.IntegerField()
    price = serializers.IntegerField(help_text="0–100")
    delivery = serializers.IntegerField(help_text="0–100")
    quality = serializers.IntegerField(help_text="0–100")


class ProcurementEvaluateInputSerializer(serializers.Serializer[Any]):
    scores = ProcurementScoreInputSerializer(many=True)
    rationale = serializers.CharField(allow_blank=True, max_length=5000, help_text=_("Wajib, minimal 20 huruf"))


class ProcurementAwardInputSerializer(serializers.Serializer[Any]):
    quote = serializers.IntegerField()
    summary = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=Award.SUMMARY_MAX,
        help_text=_("Ringkasan alasan untuk publik, tanpa data pribadi"),
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=_("Wajib bila bukan penawaran bernilai tertinggi")
    )


class ProcurementReasonInputSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class ProcurementDeliverInputSerializer(serializers.Serializer[Any]):
    delivered_on = serializers.DateField(required=False, help_text=_("Bawaan: hari ini"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class ProcurementAcceptedLineSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField()
    accepted_quantity = serializers.DecimalField(max_digits=12, decimal_places=2)


class ProcurementAcceptInputSerializer(serializers.Serializer[Any]):
    lines = ProcurementAcceptedLineSerializer(
        many=True, required=False, help_text=_("Barang yang tidak disebut dianggap diterima penuh")
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=_("Wajib bila diterima sebagian")
    )


class ProcurementPayInputSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(allow_blank=True, max_length=100)
    paid_on = serializers.DateField(required=False, help_text=_("Bawaan: hari ini"))
