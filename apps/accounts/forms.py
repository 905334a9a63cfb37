from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from apps.core import phones
from apps.rtrw.models import RukunTetangga

from .roles import Role


class SignInForm(AuthenticationForm):
    """Django's sign-in form with our own wrong-password sentence: Django's Indonesian one puts
    the field's name after "nama pengguna", which read "Masukkan nama pengguna nama pengguna"."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Nama pengguna atau kata sandi salah. Periksa lagi; huruf besar dan kecil dibedakan."),
    }


class RegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    username = forms.RegexField(
        label=_("Nama pengguna"),
        max_length=150,
        regex=r"^[a-zA-Z0-9_.-]+$",
        error_messages={"invalid": _("Hanya huruf, angka, titik, garis bawah atau tanda hubung.")},
    )
    phone = forms.CharField(label=_("Nomor HP"), max_length=40, required=False, validators=[phones.validate_mobile])
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(
        label=_("Saya mendaftar sebagai"),
        choices=[(Role.WARGA.value, Role.WARGA.label), (Role.PEMILIK_UMKM.value, Role.PEMILIK_UMKM.label)],
    )
    rt = forms.ModelChoiceField(label=_("RT/RW"), queryset=RukunTetangga.objects.select_related("rw"), required=False)
    address = forms.CharField(label=_("Alamat"), max_length=255, required=False)
    password = forms.CharField(label=_("Kata sandi"), widget=forms.PasswordInput, strip=False)

    def clean_phone(self) -> str:
        """Stored in E.164 ("+6281234567890"); "" when left empty."""
        return phones.to_e164(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password"):
            password_validation.validate_password(data["password"])
        return data
