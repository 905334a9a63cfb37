"""apps.core.files.kept: a chosen file survives a form's validation error, for its own user in its
own tenant only, and not past its lifetime (issue 19, problem 10)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import ValidationFailed
from apps.core.files import private_storage
from apps.core.files.kept import REMOVE_SUFFIX, TOKEN_SUFFIX, KeptUploads, purge_expired
from apps.tenancy.models import Tenant
from tests.images import PNG

pytestmark = pytest.mark.django_db


class PhotoForm(forms.Form):
    title = forms.CharField()
    photo = forms.FileField(required=False)


def _request(user: Any) -> Any:
    return SimpleNamespace(user=user)


def _user(name: str) -> User:
    return create_user(username=name, full_name=name.title(), roles=[Role.WARGA], password="x-Sandi-12345")


def _fail_with_photo(user: Any, name: str = "tempe.png") -> tuple[PhotoForm, KeptUploads, str]:
    """A POST without its title but with a photo: the form fails and keeps the photo."""
    form = PhotoForm({"title": ""}, MultiValueDict({"photo": [SimpleUploadedFile(name, PNG, "image/png")]}))
    kept = KeptUploads(_request(user), form)
    assert not form.is_valid()
    kept.keep()
    html = str(form["photo"])
    token = re.search(r'name="photo__kept" value="([^"]+)"', html)
    assert token is not None, html
    return form, kept, token.group(1)


def _resubmit(user: Any, token: str, **extra: str) -> tuple[PhotoForm, KeptUploads]:
    form = PhotoForm({"title": "Tempe", "photo" + TOKEN_SUFFIX: token, **extra}, MultiValueDict())
    return form, KeptUploads(_request(user), form)


def _refused(form: PhotoForm) -> None:
    assert not form.is_valid()
    assert form.errors["photo"] == ["Foto yang dipilih tadi sudah tidak tersimpan. Pilih ulang foto."]
    assert "Pilih ulang foto" in str(form["photo"]) and TOKEN_SUFFIX not in str(form["photo"])


def test_kept_on_error_and_used_on_success(tenant_a: Tenant) -> None:
    with tenant_a:
        sri = _user("kept-sri")
        form, _kept, token = _fail_with_photo(sri)
        assert "Foto sudah dipilih: tempe.png (tidak perlu memilih lagi)" in str(form["photo"])
        again, kept = _resubmit(sri, token)
        assert again.is_valid(), again.errors
        photo = again.cleaned_data["photo"]
        assert photo.name == "tempe.png" and photo.read() == PNG
        key = kept.restored["photo"][0]
        assert private_storage().exists(key)
        # Private storage, under the tenant's own prefix.
        assert f"/private/{tenant_a.schema_name}/kept/" in private_storage().path(key)
        kept.used()
        assert not private_storage().exists(key)
        # Used once: the same token finds nothing any more, and the form says so rather than
        # saving without the photo she believes is chosen.
        late, _ = _resubmit(sri, token)
        _refused(late)


def test_removed_on_request(tenant_a: Tenant) -> None:
    with tenant_a:
        sri = _user("kept-remove")
        _form, _kept, token = _fail_with_photo(sri)
        form, kept = _resubmit(sri, token, **{"photo" + REMOVE_SUFFIX: "1"})
        assert form.is_valid() and form.cleaned_data["photo"] is None and not kept.restored


def test_another_users_token_is_refused(tenant_a: Tenant) -> None:
    with tenant_a:
        sri, joko = _user("kept-owner"), _user("kept-other")
        _form, _kept, token = _fail_with_photo(sri)
        form, kept = _resubmit(joko, token)
        _refused(form)
        assert not kept.restored
        # Nor anonymous, nor a forged or altered token.
        for user, bad in ((SimpleNamespace(pk=None, is_authenticated=False), token), (sri, token[:-2] + "xx")):
            form, kept = _resubmit(user, bad)
            _refused(form)
            assert not kept.restored
        # Bu Sri herself still can.
        form, kept = _resubmit(sri, token)
        assert form.is_valid() and form.cleaned_data["photo"].read() == PNG


def test_another_tenants_token_is_refused(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        sri = _user("kept-tenant")
        _form, _kept, token = _fail_with_photo(sri)
    with tenant_b:
        # Even someone with the same id in tenant B gets nothing: the token names A's schema,
        # and A's file is not under B's prefix anyway.
        same_id = SimpleNamespace(pk=sri.pk, is_authenticated=True)
        form, kept_b = _resubmit(same_id, token)
        _refused(form)
        assert not kept_b.restored


def test_anonymous_and_invalid_files_get_the_hint(tenant_a: Tenant) -> None:
    with tenant_a:
        form = PhotoForm({"title": ""}, MultiValueDict({"photo": [SimpleUploadedFile("a.png", PNG, "image/png")]}))
        kept = KeptUploads(_request(SimpleNamespace(pk=None, is_authenticated=False)), form)
        assert not form.is_valid()
        kept.keep()
        html = str(form["photo"])
        assert "Pilih ulang foto — file tidak tersimpan karena formulir belum lengkap" in html
        assert TOKEN_SUFFIX not in html

        sri = _user("kept-check")

        def refuse(upload: Any) -> None:
            raise ValidationFailed("Foto harus JPEG atau PNG.", field="photo")

        text = SimpleUploadedFile("a.txt", b"hello", "text/plain")
        form = PhotoForm({"title": ""}, MultiValueDict({"photo": [text]}))
        kept = KeptUploads(_request(sri), form, checks={"photo": refuse})
        assert not form.is_valid()
        kept.keep()
        assert form.errors["photo"] == ["Foto harus JPEG atau PNG."]
        assert "Pilih ulang foto" in str(form["photo"])


def test_the_service_blaming_the_file_drops_it(tenant_a: Tenant) -> None:
    with tenant_a:
        sri = _user("kept-blamed")
        _form, _kept, token = _fail_with_photo(sri)
        form, kept = _resubmit(sri, token)
        assert form.is_valid()
        key = kept.restored["photo"][0]
        kept.keep(ValidationFailed("Foto rusak.", field="photo"))
        assert not private_storage().exists(key)
        assert "Pilih ulang foto" in str(form["photo"])


def test_expired_tokens_refused_and_files_purged(tenant_a: Tenant, settings: Any) -> None:
    settings.KOTAKITA_KEPT_UPLOAD_SECONDS = 600
    with tenant_a:
        sri = _user("kept-expiry")
        start = datetime.now(UTC)
        with time_machine.travel(start, tick=False):
            _form, _kept, token = _fail_with_photo(sri)
            _form2, _kept2, _token2 = _fail_with_photo(sri)
        later = start + timedelta(hours=2)
        with time_machine.travel(later, tick=False):
            form, _kept = _resubmit(sri, token)
            _refused(form)
            # Nothing old enough is deleted before its time; everything expired is.
            assert purge_expired(start) == 0
            assert purge_expired(later) == 2
            _dirs, buckets_files = private_storage().listdir("kept")
            assert _dirs == [] and buckets_files == []
