"""Asking once per event, NPS at most once a quarter, answering (validation, roles), the pages,
the API and the isolation between kelurahan."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.feedback import selectors, services
from apps.feedback.models import Kind, Prompt
from apps.notifications.models import Message
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget

from .conftest import People, signed_in

pytestmark = pytest.mark.django_db


def test_one_event_is_asked_once_and_notified_once(people: People) -> None:
    first = services.do_ask(people.warga, "report", "17", "/laporan/LP-ABCD/")
    assert [p.kind for p in first] == [Kind.REPORT, Kind.NPS]
    assert services.do_ask(people.warga, "report", "17", "/laporan/LP-ABCD/") == []
    assert Prompt.objects.filter(user=people.warga).count() == 2
    csat = Prompt.objects.get(user=people.warga, kind=Kind.REPORT)
    messages = Message.objects.filter(recipient=people.warga, key=f"feedback-{csat.pk}")
    assert messages.exists() and all(m.url == f"/nilai/{csat.pk}/" for m in messages)
    assert Message.objects.filter(recipient=people.warga, key__startswith="feedback-").count() == messages.count()
    # Another user of the same event, or another service with the same key, is another question.
    assert services.do_ask(people.tetangga, "report", "17")
    assert services.do_ask(people.warga, "order", "17")


def test_the_database_refuses_a_second_question_for_one_event(people: People) -> None:
    Prompt.objects.create(user=people.warga, kind="permit", service="permit", event_key="5")
    with pytest.raises(IntegrityError), transaction.atomic():
        Prompt.objects.create(user=people.warga, kind="permit", service="permit", event_key="5")


def test_ask_csat_asks_only_after_the_transition_commits(
    people: People, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.ask_csat(people.warga, "loan", 3, "/pinjaman/saya/3/")
    assert Prompt.objects.filter(user=people.warga, kind="loan", event_key="3").exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # type: ignore[operator]
        services.ask_csat(people.tetangga, "loan", 4)
    assert len(callbacks) == 1 and not Prompt.objects.filter(user=people.tetangga).exists()
    services.ask_csat(None, "loan", 5)  # an anonymous reporter: nobody to ask


def test_nps_is_asked_at_most_once_a_quarter(people: People) -> None:
    q4 = timezone.make_aware(datetime.datetime(2026, 11, 2, 10))
    services.do_ask(people.warga, "permit", "1", now=q4)
    services.do_ask(people.warga, "order", "2", now=q4 + datetime.timedelta(days=20))
    assert list(Prompt.objects.filter(user=people.warga, kind=Kind.NPS).values_list("event_key", "service")) == [
        ("2026Q4", "permit")
    ]
    services.do_ask(people.warga, "order", "3", now=timezone.make_aware(datetime.datetime(2027, 1, 5, 10)))
    assert sorted(Prompt.objects.filter(user=people.warga, kind=Kind.NPS).values_list("event_key", flat=True)) == [
        "2026Q4",
        "2027Q1",
    ]


def test_unknown_service_is_refused(people: People) -> None:
    from apps.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.ask_csat(people.warga, "tukang-sulap", 1)


def _csat(people: People) -> Prompt:
    services.do_ask(people.warga, "order", "9", "/pasar/pesanan/x/")
    return Prompt.objects.get(user=people.warga, kind=Kind.ORDER)


@pytest.mark.parametrize("score", [0, 6, "lima", None, 4.5, ""])
def test_csat_answers_outside_1_to_5_are_422_in_indonesian(people: People, score: object) -> None:
    prompt = _csat(people)
    client = signed_in(people.tenant, people.warga)
    response = client.post(
        f"/api/v1/feedback/prompts/{prompt.pk}/answer/", {"score": score}, content_type="application/json"
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_score" and error["message"] == "Pilih nilai dari 1 sampai 5."
    prompt.refresh_from_db()
    assert prompt.answered_at is None and prompt.score is None


def test_answer_errors_speak_english_when_asked(people: People) -> None:
    with translation.override("en"):
        english = gettext("Pilih nilai dari %(low)s sampai %(high)s.")
    if english == "Pilih nilai dari %(low)s sampai %(high)s.":
        pytest.skip("English of the new messages is in locale/pending/feedback.po until the merge compiles it")
    prompt = _csat(people)
    client = signed_in(people.tenant, people.warga, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        f"/api/v1/feedback/prompts/{prompt.pk}/answer/", {"score": 9}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == english % {"low": 1, "high": 5}


def test_answering_once_then_409(people: People) -> None:
    prompt = _csat(people)
    client = signed_in(people.tenant, people.warga)
    url = f"/api/v1/feedback/prompts/{prompt.pk}/answer/"
    ok = client.post(url, {"score": 4, "comment": "Kurir ramah"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["score"] == 4
    again = client.post(url, {"score": 1}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_answered"
    prompt.refresh_from_db()
    assert (prompt.score, prompt.comment) == (4, "Kurir ramah")


def test_nps_takes_0_to_10_and_a_long_comment_is_refused(people: People) -> None:
    services.do_ask(people.warga, "report", "1")
    nps = Prompt.objects.get(user=people.warga, kind=Kind.NPS)
    client = signed_in(people.tenant, people.warga)
    url = f"/api/v1/feedback/prompts/{nps.pk}/answer/"
    too_long = client.post(url, {"score": 10, "comment": "x" * 1001}, content_type="application/json")
    assert too_long.status_code == 422 and too_long.json()["error"]["code"] == "comment_too_long"
    assert client.post(url, {"score": 11}, content_type="application/json").status_code == 422
    assert client.post(url, {"score": 0}, content_type="application/json").status_code == 200


def test_only_the_user_asked_may_see_or_answer(people: People) -> None:
    prompt = _csat(people)
    for user in (people.tetangga, people.lurah):
        client = signed_in(people.tenant, user)
        assert client.get(f"/nilai/{prompt.pk}/").status_code == 404
        assert client.post(f"/nilai/{prompt.pk}/", {"score": 1}).status_code == 404
        answer = client.post(f"/api/v1/feedback/prompts/{prompt.pk}/answer/", {"score": 1}, "application/json")
        assert answer.status_code == 404
        assert client.get("/api/v1/feedback/prompts/").json() == []
    anonymous = Client(HTTP_HOST=people.tenant.get_primary_domain().domain)
    assert anonymous.get(f"/nilai/{prompt.pk}/").status_code == 302
    assert anonymous.post(f"/api/v1/feedback/prompts/{prompt.pk}/answer/", {"score": 1}).status_code in (401, 403)
    assert anonymous.get("/nilai/kartu/").content == b""
    prompt.refresh_from_db()
    assert prompt.answered_at is None


def test_the_card_and_the_page_answer_then_move_to_the_next_question(people: People) -> None:
    services.do_ask(people.warga, "report", "21", "/laporan/LP-XYZ1/")
    csat = Prompt.objects.get(user=people.warga, kind=Kind.REPORT)
    nps = Prompt.objects.get(user=people.warga, kind=Kind.NPS)
    client = signed_in(people.tenant, people.warga)
    card = client.get("/nilai/kartu/").content.decode()
    assert 'data-testid="feedback-card"' in card and f"/nilai/{csat.pk}/" in card
    page = client.get(f"/nilai/{csat.pk}/").content.decode()
    assert "Laporan warga" in page and 'name="score"' in page
    bad = client.post(f"/nilai/{csat.pk}/", {"score": "9"})
    assert bad.status_code == 422 and "Pilih nilai dari 1 sampai 5." in bad.content.decode()
    done = client.post(f"/nilai/{csat.pk}/", {"score": "5", "comment": "Cepat"})
    assert done.status_code == 302 and done["Location"] == f"/nilai/{nps.pk}/?terima-kasih=1"
    last = client.post(f"/nilai/{nps.pk}/", {"score": "9"})
    assert last.status_code == 200 and 'data-testid="feedback-thanks"' in last.content.decode()
    assert client.get("/nilai/kartu/").content.decode().strip() == ""
    assert 'data-testid="feedback-answered"' in client.get(f"/nilai/{csat.pk}/").content.decode()


def test_prompts_of_a_are_invisible_from_b(people: People, tenant_b: Tenant) -> None:
    prompt = _csat(people)
    with tenant_b:
        assert not Prompt.objects.filter(kind=Kind.ORDER, event_key="9").exists()
        from apps.accounts.models import User

        warga_b = User.objects.get(username="warga-pandean")
    client_b = signed_in(tenant_b, warga_b)
    assert client_b.get(f"/nilai/{prompt.pk}/").status_code == 404
    assert client_b.get("/api/v1/feedback/prompts/").json() == []
    answer = client_b.post(f"/api/v1/feedback/prompts/{prompt.pk}/answer/", {"score": 5}, "application/json")
    assert answer.status_code == 404
    with people.tenant:
        prompt.refresh_from_db()
        assert prompt.answered_at is None


def test_the_lists_cost_the_same_queries_at_n_and_10n(people: People) -> None:
    client = signed_in(people.tenant, people.warga)
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            services.do_ask(people.warga, "order", f"grow-{made[0]}")

    assert_list_budget(fetch=lambda: client.get("/api/v1/feedback/prompts/"), grow=grow)
    assert_list_budget(fetch=lambda: client.get("/nilai/"), grow=grow)
    assert_list_budget(fetch=lambda: client.get("/nilai/kartu/"), grow=grow)
    assert selectors.open_prompts(people.warga).count() > 30
