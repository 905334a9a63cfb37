"""What people type in GoTukang (listing, request, quote, review, complaint, decision) is refused
when too long, never cut, and nothing is written; the number to reach a guest is checked as a
phone number. On WhatsApp a too-long description is answered and asked for again."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.models import User
from apps.core.errors import ValidationFailed
from apps.notifications.models import Channel, Message
from apps.tenancy.models import Tenant
from apps.tukang import bot, services, whatsapp
from apps.tukang.models import Conversation, Job, Quote, Tukang
from tests.conftest import client_for
from tests.tukang.conftest import People

pytestmark = pytest.mark.django_db
STRANGER = "6281299990000"


def _refused(caught: pytest.ExceptionInfo[ValidationFailed], field: str, bound: int) -> None:
    assert caught.value.code == "too_long" and caught.value.details["field"] == field
    assert str(bound) in str(caught.value.message)


def _booked(people: People) -> Job:
    job = services.request_job(people.warga, skill="listrik", description="Stopkontak dapur korslet")
    quote = services.submit_quote(job, actor=people.wawan.user, amount=90_000)
    return services.book_quote(job, quote, actor=people.warga)


@pytest.mark.parametrize(
    ("field", "value", "bound"),
    [("name", "N" * 101, 100), ("availability_note", "s" * 201, 200), ("bio", "b" * 2001, 2000)],
)
def test_register_refuses_too_long_text(people: People, field: str, value: str, bound: int) -> None:
    user = User.objects.create(username="t-panjang")
    typed: dict[str, Any] = {"name": "Mas Budi", "skills": ["cat"], "rate": 100_000, field: value}
    with pytest.raises(ValidationFailed) as caught:
        services.register_tukang(user, **typed)
    _refused(caught, field, bound)
    assert not Tukang.objects.filter(user=user).exists()


def test_register_keeps_text_at_the_bound_whole(people: People) -> None:
    user = User.objects.create(username="t-pas")
    tukang = services.register_tukang(
        user, name=" " + "N" * 100, skills=["cat"], rate=1, availability_note="s" * 200, bio="b" * 2000
    )
    tukang.refresh_from_db()
    assert (tukang.name, tukang.availability_note, tukang.bio) == ("N" * 100, "s" * 200, "b" * 2000)


def test_register_page_refuses_a_101_character_name(people: People, tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    user = User.objects.create(username="t-halaman")
    client.force_login(user)
    form = {"name": "N" * 101, "skills": ["cat"], "rate": "150.000", "rate_unit": "hari", "available": "on"}
    response = client.post("/tukang/daftar/", form)
    assert response.status_code == 422 and "Paling banyak 100 huruf." in response.content.decode()
    assert not Tukang.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("field", "value", "bound"), [("description", "d" * 2001, 2000), ("address", "Jl. " + "x" * 197, 200)]
)
def test_request_refuses_too_long_text(people: People, field: str, value: str, bound: int) -> None:
    typed: dict[str, Any] = {"skill": "listrik", "description": "Lampu teras mati", field: value}
    with pytest.raises(ValidationFailed) as caught:
        services.request_job(people.warga, **typed)
    _refused(caught, field, bound)
    assert not Job.objects.exists() and not Message.objects.filter(event="tukang.job_requested").exists()


def test_request_page_refuses_a_too_long_description(people: People, tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    client.force_login(people.warga)
    form = {"skill": "listrik", "description": "Lampu " + "d" * 1995, "idempotency_key": "long-description"}
    response = client.post("/tukang/pesan/", form)
    assert response.status_code == 422 and "Paling banyak 2000 huruf." in response.content.decode()
    assert not Job.objects.exists()


def test_a_guest_contact_phone_is_checked_as_a_phone_number(people: People) -> None:
    with pytest.raises(ValidationFailed) as caught:  # was cut to its first 20 characters and kept
        services.request_job(
            None, skill="listrik", description="Lampu teras mati", contact_phone="0812-3456-7890-1234-5"
        )
    assert caught.value.code == "invalid_phone" and caught.value.details["field"] == "contact_phone"
    assert not Job.objects.exists()
    job = services.request_job(None, skill="listrik", description="Lampu teras mati", contact_phone="0812-9999-0000")
    assert job.contact_phone == "+6281299990000"


def test_quote_note_review_and_dispute_texts_are_refused_when_too_long(people: People) -> None:
    job = services.request_job(people.warga, skill="listrik", description="Stopkontak dapur korslet")
    with pytest.raises(ValidationFailed) as caught:
        services.submit_quote(job, actor=people.wawan.user, amount=90_000, note="n" * 301)
    _refused(caught, "note", 300)
    assert not Quote.objects.filter(job=job).exists()
    job = services.complete_job(_booked(people), actor=people.wawan.user)
    with pytest.raises(ValidationFailed) as caught:
        services.rate_job(job, actor=people.warga, rating=5, review="r" * 1001)
    _refused(caught, "review", 1000)
    job.refresh_from_db()
    assert job.rating is None and job.review == ""
    with pytest.raises(ValidationFailed) as caught:
        services.open_dispute(job, actor=people.warga, reason="k" * 2001)
    _refused(caught, "reason", 2000)
    job.refresh_from_db()
    assert job.dispute == "" and job.dispute_reason == ""
    services.open_dispute(job, actor=people.warga, reason="k" * 2000)
    with pytest.raises(ValidationFailed) as caught:
        services.resolve_dispute(job, actor=people.admin, resolution="p" * 2001)
    _refused(caught, "resolution", 2000)
    job.refresh_from_db()
    assert job.dispute == Job.Dispute.OPEN and job.dispute_reason == "k" * 2000 and job.dispute_resolution == ""


def test_job_page_refuses_a_too_long_review(people: People, tenant_a: Tenant) -> None:
    job = services.complete_job(_booked(people), actor=people.wawan.user)
    client = client_for(tenant_a)
    client.force_login(people.warga)
    response = client.post(f"/tukang/pekerjaan/{job.public_id}/rate/", {"rating": "5", "review": "r" * 1001})
    assert response.status_code == 422 and "Paling banyak 1000 huruf." in response.content.decode()
    job.refresh_from_db()
    assert job.rating is None


# --- WhatsApp -------------------------------------------------------------------------------------


def _say(n: int, text: str) -> Conversation:
    message = {"id": f"wamid.long.{n}", "from": STRANGER, "text": text, "reply_id": "", "name": ""}
    return whatsapp.handle_message(message)


def _replies() -> list[str]:
    rows = Message.objects.filter(channel=Channel.WHATSAPP, address=f"+{STRANGER}", event="tukang.whatsapp")
    return list(rows.order_by("id").values_list("body", flat=True))


def test_a_too_long_whatsapp_description_is_answered_and_asked_again(people: People) -> None:
    for n, text in enumerate(["halo", "2", "1"]):
        _say(n, text)
    assert Conversation.objects.get(phone=f"+{STRANGER}").state == bot.DESCRIBE
    conversation = _say(3, "Lampu " + "x" * bot.MAX_DESCRIPTION)  # was cut to 1000 and sent on
    assert conversation.state == bot.DESCRIBE and "description" not in conversation.data
    assert f"paling banyak {bot.MAX_DESCRIPTION} huruf" in _replies()[-1]
    _say(4, "Lampu teras mati total")
    _say(5, "1")
    job = Job.objects.get(contact_phone=f"+{STRANGER}")
    assert job.description == "Lampu teras mati total"
