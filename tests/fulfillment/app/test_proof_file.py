"""The delivery proof photo is a private file: buyer, shop owner, the courier who delivered it and
staff see it through /berkas/; anyone else, and any other tenant's host, gets 404."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import User
from apps.core.files import private_url
from apps.fulfillment import services
from apps.fulfillment.models import Delivery
from apps.tenancy.models import Tenant
from tests.conftest import client_for
from tests.images import PNG

from .conftest import World, new_delivery, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_proof_photo_reaches_only_the_people_of_that_delivery(world: World, tenant_b: Tenant) -> None:
    delivery = new_delivery(world)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    services.run_routing_job(job.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.ASSIGNED
    services.mark_picked_up(delivery, actor=world.andi)
    photo = SimpleUploadedFile("bukti.png", PNG, content_type="image/png")
    done = services.mark_delivered(delivery, actor=world.andi, photo=photo)
    url = private_url(done, "proof_photo")
    assert url == f"/berkas/fulfillment/delivery/{done.pk}/proof_photo/"
    allowed: list[User] = [world.joko, world.sri, world.andi, world.staff]
    for user in allowed:
        response = signed_in(world.tenant, user).get(url)
        assert response.status_code == 200, user.username
        assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    assert signed_in(world.tenant, world.other).get(url).status_code == 404
    assert client_for(world.tenant).get(url).status_code == 404
    assert client_for(tenant_b).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404
