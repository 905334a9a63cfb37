"""Evaluation and award: scoring quotes and choosing the winner."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import Conflict, ValidationFailed
from apps.core.money import rupiah
from apps.notifications.services import notify

from .. import rules, selectors, workflow
from ..models import (
    Award,
    Evaluation,
    PurchaseRequest,
    Quote,
    QuoteScore,
)
from ._common import (
    MIN_RATIONALE,
    Action,
    Status,
    _authorize_staff,
    _deadline_text,
    _ids,
    _locked,
    _move,
    _record,
    _require_status,
    _text,
    request_url,
)


def _score(value: Any, field: str) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value is not None and str(value).strip() != "" else None
    except ValueError:
        number = None
    if number is None or not 0 <= number <= 100:
        raise ValidationFailed(_("Nilai harus bilangan bulat 0–100."), code="invalid_score", field=field)
    return number


@transaction.atomic
def evaluate(
    purchase: PurchaseRequest | int,
    actor: Any,
    *,
    scores: Mapping[Any, Mapping[str, Any]],
    rationale: Any,
    now: datetime | None = None,
) -> Evaluation:
    """Score every quote (price, delivery, quality: 0–100) after the deadline, with a written rationale.

    A later evaluation (before the award) replaces the earlier one as the current one; both stay.
    """
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked, impartial=True)
    _require_status(locked, workflow.EVALUATE)
    if not locked.deadline_passed(now):
        raise Conflict(
            _("Penawaran baru dapat dievaluasi setelah batas waktu %(deadline)s.")
            % {"deadline": _deadline_text(locked)},
            code="before_deadline",
        )
    quotes = {q.pk: q for q in locked.quotes.all()}
    if not quotes:
        raise Conflict(_("Tidak ada penawaran yang masuk; batalkan permintaan ini dengan alasan."), code="no_quotes")
    text = _text(rationale, "rationale", max_length=5000)
    if len(text) < MIN_RATIONALE:
        raise ValidationFailed(
            _("Tuliskan alasan penilaian (paling sedikit %(n)d huruf).") % {"n": MIN_RATIONALE},
            code="rationale_required",
            field="rationale",
        )
    if not isinstance(scores, Mapping):
        raise ValidationFailed(_("Nilai penawaran tidak valid."), code="invalid_score", field="scores")
    given = _ids(scores, "scores", "unknown_quote", _("Ada penawaran yang tidak termasuk permintaan ini."))
    if set(given) - set(quotes):
        raise ValidationFailed(
            _("Ada penawaran yang tidak termasuk permintaan ini."), code="unknown_quote", field="scores"
        )
    if set(quotes) - set(given):
        raise ValidationFailed(_("Beri nilai untuk setiap penawaran."), code="missing_score", field="scores")
    rows = []
    for pk in sorted(quotes):
        raw = given[pk]
        if not isinstance(raw, Mapping):
            raise ValidationFailed(_("Nilai harus bilangan bulat 0–100."), code="invalid_score", field=f"scores.{pk}")
        values = {c: _score(raw.get(c), f"scores.{pk}.{c}") for c in rules.CRITERIA}
        rows.append((quotes[pk], values))

    evaluation = Evaluation.objects.create(request=locked, evaluator=actor, rationale=text, created_at=now)
    QuoteScore.objects.bulk_create(
        [
            QuoteScore(
                evaluation=evaluation,
                quote=quote,
                total=rules.weighted_score(v["price"], v["delivery"], v["quality"]),
                **v,
            )
            for quote, v in rows
        ]
    )
    before = _move(locked, workflow.EVALUATE, now)
    _record(
        locked,
        Action.EVALUATE,
        actor,
        role,
        from_status=before,
        now=now,
        reason=text,
        data={
            "evaluation": evaluation.pk,
            "scores": {str(q.pk): str(rules.weighted_score(v["price"], v["delivery"], v["quality"])) for q, v in rows},
        },
    )
    return evaluation


@transaction.atomic
def award(
    purchase: PurchaseRequest | int,
    actor: Any,
    *,
    quote: Quote | int | str,
    summary: Any = "",
    reason: Any = "",
    now: datetime | None = None,
) -> Award:
    """Award the request to one evaluated quote. Only one award per request, ever.

    Choosing a quote that did not score highest needs a reason. `summary` is shown on the
    public transparency page (defaults to the start of the rationale) and may carry no personal data.
    """
    now = now or timezone.now()
    locked = _locked(purchase)
    role = _authorize_staff(actor, locked, impartial=True)
    if Award.objects.filter(request=locked).exists():
        raise Conflict(_("Permintaan ini sudah memiliki pemenang."), code="already_awarded")
    if locked.status == Status.OPEN:
        raise Conflict(_("Evaluasi penawaran dulu sebelum menetapkan pemenang."), code="not_evaluated")
    _require_status(locked, workflow.AWARD)
    evaluation = selectors.latest_evaluation(locked)
    if evaluation is None:
        raise Conflict(_("Evaluasi penawaran dulu sebelum menetapkan pemenang."), code="not_evaluated")
    quote_pk = quote.pk if isinstance(quote, Quote) else quote
    try:
        chosen = locked.quotes.select_related("supplier").get(pk=int(str(quote_pk)))
    except (Quote.DoesNotExist, ValueError):
        raise ValidationFailed(
            _("Pilih salah satu penawaran pada permintaan ini."), code="unknown_quote", field="quote"
        ) from None
    scores = {s.quote_id: s for s in evaluation.scores.all()}
    if chosen.pk not in scores:
        raise Conflict(_("Penawaran ini belum dinilai; evaluasi ulang dulu."), code="not_evaluated")
    why = _text(reason, "reason", max_length=2000)
    best = max(s.total for s in scores.values())
    if scores[chosen.pk].total < best and not why:
        raise ValidationFailed(
            _("Penawaran ini bukan yang bernilai tertinggi; tuliskan alasan memilihnya."),
            code="reason_required",
            field="reason",
        )
    public = _text(summary, "summary", max_length=Award.SUMMARY_MAX)
    explicit = bool(public)
    if not public:
        public = " ".join(evaluation.rationale.split())[:300]
    names = [chosen.supplier.full_name, chosen.supplier.username, evaluation.evaluator.full_name, actor.full_name]
    if rules.looks_personal(public, names):
        raise ValidationFailed(
            _("Ringkasan publik tidak boleh memuat nama orang, e-mail, nomor HP atau NIK.")
            if explicit
            else _("Alasan penilaian memuat data pribadi; tulis ringkasan publik tanpa nama orang, e-mail atau nomor."),
            code="personal_data",
            field="summary",
        )
    if selectors.eligibility(chosen.supplier, locked) is None:
        raise Conflict(
            _("%(business)s tidak lagi memenuhi syarat (izin usaha tidak berlaku).")
            % {"business": chosen.business_name},
            code="supplier_not_eligible",
        )
    won = Award.objects.create(
        request=locked,
        quote=chosen,
        evaluation=evaluation,
        amount=chosen.total,
        quote_count=locked.quotes.count(),
        summary=public,
        awarded_by=actor,
        awarded_at=now,
    )
    before = _move(locked, workflow.AWARD, now)
    _record(
        locked,
        Action.AWARD,
        actor,
        role,
        from_status=before,
        now=now,
        reason=why,
        data={"quote": chosen.pk, "business_name": chosen.business_name, "amount": chosen.total},
    )
    url = request_url(locked)
    notify(
        [chosen.supplier],
        event="procurement.won",
        title=_("Penawaran Anda terpilih: %(title)s") % {"title": locked.title},
        body=_("Selamat! %(business)s ditetapkan sebagai pemenang dengan nilai %(amount)s. Surat pesanan menyusul.")
        % {"business": chosen.business_name, "amount": rupiah(chosen.total)},
        url=url,
        key=f"procurement-{locked.pk}-award-{chosen.pk}",
    )
    losers = [q.supplier for q in locked.quotes.select_related("supplier").exclude(pk=chosen.pk)]
    notify(
        losers,
        event="procurement.lost",
        title=_("Penawaran Anda belum terpilih: %(title)s") % {"title": locked.title},
        body=_("Terima kasih atas penawaran Anda. Pemenang dan alasannya dapat dilihat di halaman transparansi."),
        url=reverse("procurement:transparency"),
        key=f"procurement-{locked.pk}-lost",
    )
    return won
