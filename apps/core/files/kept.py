"""Chosen files survive a form's validation error (issue 19, problem 10).

A browser never sends a file input's choice again: when a form fails, the person had to pick
the photo again, and nothing told them. `KeptUploads` keeps every upload that passed its own
checks in *private* storage (so under the tenant's `<schema>/` prefix) and gives the re-rendered
form a short-lived signed token bound to the user, the tenant's schema and the field; the next
POST brings the file back into `form.files` as if it had been chosen again::

    form = ProductForm(request.POST or None, request.FILES or None)
    kept = KeptUploads(request, form, checks={"photo": services.check_photo})
    if request.method == "POST":
        if form.is_valid():
            try:
                do_something(photo=form.cleaned_data["photo"])
            except DomainError as exc:
                kept.keep(exc)        # the service refused: keep the files (not the one it blamed)
            else:
                kept.used()           # success: the kept copies are deleted
        else:
            kept.keep()

The file field's widget then shows "Foto sudah dipilih: nama.jpg (tidak perlu memilih lagi)"
itself (and carries the token); `{% kept_file_remove field %}` (files_tags) adds the "remove"
checkbox outside the field's label. A file that cannot be kept (refused by its check, anonymous
user) shows "Pilih ulang foto — file tidak tersimpan karena formulir belum lengkap".

A token from another user, another tenant or another field, a forged or expired one, brings
nothing back: the field says "Foto yang dipilih tadi sudah tidak tersimpan. Pilih ulang foto."
(so nothing is saved without the photo the person believes is chosen).

Kept files live `KOTAKITA_KEPT_UPLOAD_SECONDS` (1 hour, from when first kept): every `keep()`
deletes the schema's expired ones (files are only ever created there, so the store stays
bounded); `purge_expired()` can also be called on its own.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from apps.core.db import connection
from apps.core.errors import DomainError

from .storages import private_storage

ROOT = "kept"
SALT = "kotakita.kept-upload"
DEFAULT_SECONDS = 3600
TOKEN_SUFFIX = "__kept"  # noqa: S105 - a form field name, not a secret
REMOVE_SUFFIX = "__kept_remove"
_BUCKET_FORMAT = "%Y%m%d%H"  # one folder per UTC hour: expiry deletes whole folders

Check = Callable[["UploadedFile[Any]"], object]


def lifetime() -> int:
    return int(getattr(settings, "KOTAKITA_KEPT_UPLOAD_SECONDS", DEFAULT_SECONDS))


@dataclass(frozen=True)
class Kept:
    token: str
    name: str  # the name the person chose, shown back to them


def _owner(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _noun(field: forms.Field) -> str:
    return str(getattr(field, "kept_noun", "") or _("Foto"))


class KeptFileInput(forms.ClearableFileInput):
    """The field's own input, plus what `KeptUploads` knows: the kept file (token + notice) or
    the hint to choose it again."""

    kept: Kept | None = None
    lost: bool = False
    noun: str = ""

    def use_required_attribute(self, initial: Any) -> bool:
        return self.kept is None and super().use_required_attribute(initial)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        html = super().render(name, value, attrs, renderer)
        if self.kept is not None:
            notice = _("%(noun)s sudah dipilih: %(name)s (tidak perlu memilih lagi)") % {
                "noun": self.noun,
                "name": self.kept.name,
            }
            return format_html(
                '{}<input type="hidden" name="{}" value="{}"><small class="kept-file" data-testid="kept-{}">{}</small>',
                html,
                name + TOKEN_SUFFIX,
                self.kept.token,
                name,
                notice,
            )
        if self.lost:
            hint = _("Pilih ulang %(noun)s — file tidak tersimpan karena formulir belum lengkap") % {
                "noun": self.noun.lower()
            }
            return format_html('{}<small class="kept-lost" data-testid="lost-{}">{}</small>', html, name, hint)
        return html


class KeptUploads:
    """Keeps a form's valid uploads across its validation errors; see the module docstring.

    `fields`: the file fields to look after (default: every FileField of the form). `checks`:
    per field, the check the service will run on the file (raising DomainError): a file it
    refuses is not kept, and its message is shown on the field."""

    def __init__(
        self,
        request: HttpRequest,
        form: forms.BaseForm,
        *,
        fields: Iterable[str] | None = None,
        checks: Mapping[str, Check] | None = None,
    ) -> None:
        self.request = request
        self.form = form
        self.owner = _owner(request)
        self.checks = dict(checks or {})
        if fields is None:
            fields = [name for name, field in form.fields.items() if isinstance(field, forms.FileField)]
        names = list(fields)
        self.widgets: dict[str, KeptFileInput] = {}
        for name in names:
            field = form.fields[name]
            widget = KeptFileInput(attrs=dict(field.widget.attrs))
            widget.noun = _noun(field)
            widget.is_required = field.widget.is_required
            field.widget = widget
            self.widgets[name] = widget
        # field -> (storage key, shown name, token): the token is handed back unchanged, so a
        # file's lifetime counts from when it was first kept (purge_expired relies on it).
        self.restored: dict[str, tuple[str, str, str]] = {}
        if form.is_bound:
            self._restore()

    # --- the next POST: kept files back into form.files ------------------------------------

    def _restore(self) -> None:
        files: MultiValueDict[str, Any] = MultiValueDict()
        files.update(self.form.files)
        changed = False
        for name in self.widgets:
            html_name = self.form.add_prefix(name)
            token = self.form.data.get(html_name + TOKEN_SUFFIX)
            if not token:
                continue
            found = self._open(str(token), name)
            if found is None:
                if not files.get(html_name) and not self.form.data.get(html_name + REMOVE_SUFFIX):
                    # The form said "already chosen" but the file is gone (expired, or not
                    # this person's): saving without it silently would lose the photo.
                    self._refuse_missing(name)
                continue
            key, shown = found
            if self.form.data.get(html_name + REMOVE_SUFFIX) or files.get(html_name):
                # Removed, or replaced by a new choice: the kept copy is no longer wanted.
                private_storage().delete(key)
                continue
            with private_storage().open(key, "rb") as stored:
                content = stored.read()
            files[html_name] = SimpleUploadedFile(shown, content)
            self.restored[name] = (key, shown, str(token))
            changed = True
        if changed:
            self.form.files = files

    def _refuse_missing(self, name: str) -> None:
        field = self.form.fields[name]
        message = _("%(noun)s yang dipilih tadi sudah tidak tersimpan. Pilih ulang %(noun_lower)s.") % {
            "noun": self.widgets[name].noun,
            "noun_lower": self.widgets[name].noun.lower(),
        }
        original: Callable[..., Any] = field.clean

        def clean(value: Any, initial: Any = None) -> Any:
            if not value:
                raise forms.ValidationError(message, code="kept_file_missing")
            return original(value, initial)

        field.clean = clean  # type: ignore[method-assign]
        self.widgets[name].lost = True

    def _open(self, token: str, name: str) -> tuple[str, str] | None:
        """(storage key, shown name) of a token this user, tenant and field may use, or None."""
        try:
            data = signing.loads(token, salt=SALT, max_age=lifetime())
        except signing.BadSignature:  # forged, altered or expired (SignatureExpired is one)
            return None
        if not isinstance(data, dict) or self.owner is None:
            return None
        if data.get("u") != self.owner or data.get("s") != connection.schema_name or data.get("f") != name:
            return None
        key = str(data.get("k", ""))
        if not key.startswith(f"{ROOT}/") or ".." in key or not private_storage().exists(key):
            return None
        return key, str(data.get("n", ""))[:120]

    # --- after an error: keep what passed, hint at what did not ----------------------------

    def keep(self, error: DomainError | None = None) -> None:
        """The form (or the service, `error`) refused: keep each upload that passed its field's
        validation and its check; mark the others "choose again"."""
        blamed = str(error.details.get("field", "")) if error is not None else ""
        cleaned = getattr(self.form, "cleaned_data", {})
        stored_any = False
        for name, widget in self.widgets.items():
            html_name = self.form.add_prefix(name)
            if name in self.restored:
                key, shown, token = self.restored[name]
                if name == blamed or name in self.form.errors:
                    private_storage().delete(key)
                    widget.lost = True
                else:
                    widget.kept = Kept(token, shown)
                continue
            upload = self.form.files.get(html_name)
            if not isinstance(upload, UploadedFile):
                continue
            if name == blamed or name in self.form.errors or self.owner is None:
                widget.lost = True
                continue
            check = self.checks.get(name)
            if check is not None:
                try:
                    check(upload)
                except DomainError as exc:
                    self.form.add_error(name, str(exc.message))
                    widget.lost = True
                    continue
            if name not in cleaned and not self.form.fields[name].disabled and not self._clean(name, upload):
                widget.lost = True
                continue
            shown = (upload.name or "foto").rsplit("/", 1)[-1][:120]
            key = self._store(upload)
            widget.kept = Kept(self._token(key, shown, name), shown)
            stored_any = True
        if stored_any:
            purge_expired()

    def _clean(self, name: str, upload: UploadedFile[Any]) -> bool:
        """The field's own validation of an upload (when the form stopped before cleaning it)."""
        try:
            self.form.fields[name].clean(upload)
        except forms.ValidationError:
            return False
        return True

    def used(self) -> None:
        """Success: the restored files were saved by the service; delete the kept copies."""
        for key, _shown, _token in self.restored.values():
            private_storage().delete(key)
        self.restored = {}

    def _store(self, upload: UploadedFile[Any]) -> str:
        bucket = datetime.now(UTC).strftime(_BUCKET_FORMAT)
        upload.seek(0)
        key = private_storage().save(f"{ROOT}/{bucket}/{secrets.token_hex(16)}", upload)
        upload.seek(0)
        return key

    def _token(self, key: str, shown: str, name: str) -> str:
        payload = {"k": key, "n": shown, "u": self.owner, "s": connection.schema_name, "f": name}
        return signing.dumps(payload, salt=SALT, compress=True)


def purge_expired(now: datetime | None = None) -> int:
    """Delete the current schema's kept files older than their lifetime; how many."""
    storage = private_storage()
    now = now or datetime.now(UTC)
    try:
        buckets, _files = storage.listdir(ROOT)
    except FileNotFoundError:
        return 0
    # A bucket holds files kept during its hour: it has expired once its hour's end is older
    # than the lifetime.
    cutoff = now - timedelta(seconds=lifetime())
    deleted = 0
    for bucket in buckets:
        try:
            start = datetime.strptime(bucket, _BUCKET_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            continue
        if start + timedelta(hours=1) > cutoff:
            continue
        _dirs, names = storage.listdir(f"{ROOT}/{bucket}")
        for name in names:
            storage.delete(f"{ROOT}/{bucket}/{name}")
            deleted += 1
        _remove_empty_folder(storage, f"{ROOT}/{bucket}")
    return deleted


def _remove_empty_folder(storage: Any, name: str) -> None:
    """Local disk keeps empty folders (S3 has none): drop the expired bucket's."""
    try:
        path = storage.path(name)
    except NotImplementedError:
        return
    with contextlib.suppress(OSError):
        os.rmdir(path)
