from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.core.api.throttling import hit, retry_after
from apps.core.errors import DomainError

from . import api_tokens
from .forms import RegistrationForm, SignInForm
from .services import register_resident


class Site(Protocol):
    """What the reset link needs of the request's tenant (accounts sits below apps.tenancy)."""

    name: str

    def url(self, path: str = "/") -> str: ...


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Self-registration for warga and UMKM owners (tenant sites only)."""
    if request.tenant.is_public:  # type: ignore[attr-defined]
        raise Http404
    form = RegistrationForm(request.POST or None)
    if request.method == "POST":
        try:
            if form.is_valid():
                data = form.cleaned_data
                user = register_resident(
                    username=data["username"],
                    password=data["password"],
                    full_name=data["full_name"],
                    role=data["role"],
                    rt=data["rt"],
                    email=data["email"],
                    phone=data["phone"],
                    address=data["address"],
                )
                login(request, user, backend="apps.accounts.backends.ModelBackend")
                messages.success(request, _("Selamat datang, %(name)s!") % {"name": user})
                return redirect("core:home")
        except ValidationError as exc:
            form.add_error("password", exc)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
    return render(request, "accounts/register.html", {"form": form}, status=422 if form.errors else 200)


def profile(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return render(request, "accounts/profile.html")


# --- sign-in rate limit, reset links from the configured domain, API token page -------------


def _too_many(request: HttpRequest, wait: float) -> HttpResponse:
    response = render(request, "accounts/throttled.html", {"wait_seconds": retry_after(wait)}, status=429)
    response["Retry-After"] = retry_after(wait)
    return response


class LoginView(auth_views.LoginView):
    """Django's sign-in form, plus a per-address limit on POSTs (on top of django-axes,
    which locks one username+address pair: this stops one address trying many usernames)."""

    template_name = "accounts/login.html"
    authentication_form = SignInForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = hit(request, "login")
        if wait is not None:
            return _too_many(request, wait)
        return super().post(request, *args, **kwargs)


def site_link_parts(tenant: Site) -> tuple[str, str]:
    """(scheme, host[:port]) of the tenant's configured primary domain, never the request's Host."""
    parts = urlsplit(tenant.url("/"))
    return parts.scheme, parts.netloc


class PasswordResetView(auth_views.PasswordResetView):
    """The reset e-mail links to the tenant's own domain (KOTAKITA_URL_SCHEME/PORT), whatever
    Host or X-Forwarded-Host the request carried: a forged host must not receive the token."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        tenant: Site = self.request.tenant  # type: ignore[attr-defined]
        scheme, netloc = site_link_parts(tenant)
        self.domain_override = netloc
        self.extra_email_context = {"protocol": scheme, "domain": netloc, "site_name": tenant.name}
        return super().form_valid(form)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens_page(request: HttpRequest) -> HttpResponse:
    """The user's API tokens: list, issue (the key is shown once, here), renew, revoke."""
    user: Any = request.user
    issued: api_tokens.IssuedToken | None = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in {"create", "renew"}:
            wait = hit(request, "token")
            if wait is not None:
                return _too_many(request, wait)
        try:
            if action == "create":
                issued = api_tokens.issue_token(user, request.POST.get("name", ""))
            elif action == "renew":
                issued = api_tokens.renew_token(user, request.POST.get("token", ""))
            elif action == "revoke":
                api_tokens.revoke_token(user, request.POST.get("token", ""))
                messages.success(request, _("Token dicabut."))
                return redirect("accounts:api_tokens")
            else:
                messages.error(request, _("Tindakan tidak dikenal."))
                status = 400
        except DomainError as exc:
            messages.error(request, str(exc.message))
            status = exc.status_code
    context = {
        "tokens": api_tokens.active_tokens(user),
        "issued": issued,
        "now": timezone.now(),
        "ttl_days": lifetime.days if (lifetime := api_tokens.ttl()) else 0,
    }
    return render(request, "accounts/api_tokens.html", context, status=status)
