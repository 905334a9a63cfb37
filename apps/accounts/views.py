from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.core.errors import DomainError

from .forms import RegistrationForm
from .services import register_resident


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
