"""The satisfaction pages: the card of open questions (home page), the list, and one question."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import User
from apps.core.errors import DomainError

from . import selectors, services
from .models import Prompt


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


@require_GET
def card(request: HttpRequest) -> HttpResponse:
    """The home page's card (loaded by HTMX): nothing for visitors or without open questions."""
    if not request.user.is_authenticated:
        return HttpResponse("")
    rows = list(selectors.open_prompts(_user(request))[: selectors.CARD_LIMIT])
    return render(request, "feedback/_card.html", {"prompts": rows})


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/index.html", {"prompts": list(selectors.open_prompts(_user(request))[:50])})


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    prompt = get_object_or_404(Prompt, pk=pk, user_id=request.user.pk)
    context: dict[str, object] = {"prompt": prompt}
    if request.method == "POST":
        try:
            services.do_answer(prompt, _user(request), request.POST.get("score"), request.POST.get("comment", ""))
        except DomainError as exc:
            context.update(error=exc.message, comment=request.POST.get("comment", ""))
            return render(request, "feedback/answer.html", context, status=exc.status_code)
        following = selectors.next_open(_user(request))
        if following is not None:
            return redirect(f"{services.prompt_url(following)}?terima-kasih=1")
        return render(request, "feedback/thanks.html", {})
    context["thanked"] = bool(request.GET.get("terima-kasih"))
    return render(request, "feedback/answer.html", context)
