"""OpenAPI components shared by every app: the one error format (see errors.py)."""

from typing import Any

from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Machine-readable error code, e.g. `validation_failed`")
    message = serializers.CharField(help_text="Human-readable message (Bahasa Indonesia, or English on request)")
    details = serializers.DictField(help_text="Field errors or extra context")


class ErrorSerializer(serializers.Serializer[Any]):
    """`{"error": {"code", "message", "details"}}`."""

    error = ErrorBodySerializer()
