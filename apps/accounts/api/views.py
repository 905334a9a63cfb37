from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User


class MeSerializer(serializers.ModelSerializer[User]):
    roles = serializers.SerializerMethodField()
    rt = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "phone", "roles", "rt"]

    def get_roles(self, obj: User) -> list[str]:
        return sorted(obj.groups.values_list("name", flat=True))

    def get_rt(self, obj: User) -> str | None:
        residency = getattr(obj, "residency", None)
        return str(residency.rt) if residency else None


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The signed-in user of this tenant, with roles and RT."""
    user: Any = request.user
    return Response(MeSerializer(user).data)
