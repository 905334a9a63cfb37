"""The satisfaction questions over the API: a user's open questions and answering one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors, services
from ..models import Prompt


class PromptSerializer(serializers.ModelSerializer[Prompt]):
    class Meta:
        model = Prompt
        fields = ["id", "kind", "service", "url", "score", "comment", "asked_at", "answered_at"]


class AnswerSerializer(serializers.Serializer[Any]):
    score = serializers.JSONField(help_text="1-5 (CSAT) atau 0-10 (NPS)")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema(responses=PromptSerializer(many=True))
@api_view(["GET"])
def prompts(request: Request) -> Response:
    """The signed-in user's questions not yet answered, newest first (at most 20)."""
    rows = selectors.open_prompts(request.user)[:20]  # type: ignore[arg-type]
    return Response(PromptSerializer(rows, many=True).data)


@extend_schema(request=AnswerSerializer, responses=PromptSerializer)
@api_view(["POST"])
def answer(request: Request, pk: int) -> Response:
    """Answer one question once: 422 for a score out of range, 409 when already answered."""
    data: Any = request.data
    score = data.get("score") if hasattr(data, "get") else None
    comment = data.get("comment", "") if hasattr(data, "get") else ""
    prompt = services.do_answer(pk, request.user, score, str(comment or ""))  # type: ignore[arg-type]
    return Response(PromptSerializer(prompt).data)
