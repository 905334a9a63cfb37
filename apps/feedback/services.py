"""Asking the satisfaction questions and recording the answers.

Other apps call `ask_csat(user, service, event_key, url)` on a completion transition (permit
issued, report resolved, order delivered, loan disbursed). The question is written after their
transaction commits, in a transaction of its own, so a problem here never undoes the service
itself, and a rolled-back transition never asks anything. The unique (kind, event_key, user)
makes a retried or repeated transition ask once; the same row kind "nps" with the quarter as
event key asks NPS at most once a quarter per user.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.notifications.services import notify

from .models import Kind, Prompt, Service

logger = logging.getLogger(__name__)

MAX_COMMENT = 1000
SATISFIED = (4, 5)  # CSAT answers that count as "puas"
PROMOTERS = (9, 10)  # NPS: 9-10 promote, 0-6 detract, 7-8 are passive
DETRACTORS_MAX = 6


def quarter_of(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def prompt_url(prompt: Prompt) -> str:
    return f"/nilai/{prompt.pk}/"


def _service(service: str) -> Service:
    try:
        return Service(service)
    except ValueError:
        raise ValidationFailed(
            _("Layanan “%(service)s” tidak dikenal.") % {"service": service}, code="unknown_service"
        ) from None


def _create_once(user: User, kind: str, service: str, event_key: str, url: str) -> Prompt | None:
    """The new prompt, or None when this (kind, event, user) was asked before (or concurrently)."""
    if Prompt.objects.filter(kind=kind, event_key=event_key, user=user).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin loses here, not the caller
            # `url` is built by the asking service (a page path), never typed.
            return Prompt.objects.create(user=user, kind=kind, service=service, event_key=event_key, url=url[:200])
    except IntegrityError:
        return None


@transaction.atomic
def do_ask(
    user: User, service: str, event_key: str, url: str = "", *, now: datetime.datetime | None = None
) -> list[Prompt]:
    """Ask `user` the CSAT question for one completed service (and NPS if not yet this quarter);
    returns the prompts created now (none when already asked). Notifies once, with the link."""
    kind = _service(service)
    event_key = str(event_key)[:64]
    if not user.is_active or not event_key:
        return []
    created: list[Prompt] = []
    csat = _create_once(user, kind.value, kind.value, event_key, url)
    if csat is None:
        return created
    created.append(csat)
    nps = _create_once(user, Kind.NPS, kind.value, quarter_of(now or timezone.now()), "")
    if nps is not None:
        created.append(nps)
    notify(
        [user],
        event="feedback.asked",
        title=_("Bagaimana layanan %(service)s?") % {"service": kind.label},
        body=_("Beri nilai 1–5 untuk layanan yang baru selesai. Hanya satu pertanyaan, kurang dari satu menit."),
        url=prompt_url(csat),
        key=f"feedback-{csat.pk}",
    )
    return created


def _ask_after_commit(user_id: int, service: str, event_key: str, url: str) -> None:
    try:
        user = User.objects.filter(pk=user_id).first()
        if user is not None:
            do_ask(user, service, event_key, url)
    except Exception:  # the service that completed has committed: never fail it afterwards
        logger.exception("feedback: asking %s %s of user %s failed", service, event_key, user_id)


def ask_csat(user: User | None, service: str, event_key: object, url: str = "") -> None:
    """The hook the other apps call on a completion transition (inside or outside their
    transaction): the question is asked once that transaction commits."""
    if user is None:
        return
    _service(service)  # a wrong service name is a bug of the caller: fail loudly, at once
    transaction.on_commit(lambda: _ask_after_commit(user.pk, service, str(event_key), url))


def _score(raw: Any, prompt: Prompt) -> int:
    low, high = (0, 10) if prompt.is_nps else (1, 5)
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        raise ValidationFailed(
            _("Pilih nilai dari %(low)s sampai %(high)s.") % {"low": low, "high": high},
            code="invalid_score",
            field="score",
        )
    return value


@transaction.atomic
def do_answer(prompt: Prompt | int, user: User, score: Any, comment: str = "") -> Prompt:
    """Record the answer of the user asked (404 for anyone else: the question is not theirs)."""
    pk = prompt.pk if isinstance(prompt, Prompt) else prompt
    locked = Prompt.objects.select_for_update().filter(pk=pk, user_id=user.pk).first()
    if locked is None:
        raise NotFound(_("Pertanyaan tidak ditemukan."), code="prompt_not_found")
    if locked.answered_at is not None:
        raise Conflict(_("Pertanyaan ini sudah Anda jawab. Terima kasih!"), code="already_answered")
    value = _score(score, locked)
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise ValidationFailed(
            _("Komentar paling panjang %(n)s karakter.") % {"n": MAX_COMMENT}, code="comment_too_long", field="comment"
        )
    locked.score = value
    locked.comment = text
    locked.answered_at = timezone.now()
    locked.save(update_fields=["score", "comment", "answered_at"])
    return locked
