from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError

from . import services
from .models import Channel, Message


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=gettext_lazy("E-mail"), required=False)
    whatsapp = forms.BooleanField(label=gettext_lazy("WhatsApp"), required=False)
    sms = forms.BooleanField(label=gettext_lazy("SMS"), required=False)
    telegram = forms.BooleanField(label=gettext_lazy("Telegram"), required=False)
    telegram_chat_id = forms.CharField(label=gettext_lazy("ID chat Telegram"), required=False, max_length=32)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    mine = Message.objects.filter(recipient=_user(request), channel=Channel.IN_APP)
    context = {"items": mine[:100], "unread_count": mine.filter(read_at__isnull=True).count()}
    return render(request, "notifications/inbox.html", context)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    services.mark_read(_user(request))
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "notifications/_badge.html", {"unread": 0})
    return redirect("notifications:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    current = services.preference_for(user)
    initial = {f: getattr(current, f) for f in ("email", "whatsapp", "sms", "telegram", "telegram_chat_id")}
    form = PreferenceForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.set_preferences(user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
            status = 422
        else:
            messages.success(request, _("Pilihan kanal notifikasi disimpan."))
            return redirect("notifications:preferences")
    elif request.method == "POST":
        status = 422
    return render(request, "notifications/preferences.html", {"form": form}, status=status)
