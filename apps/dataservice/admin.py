"""Operator console (platform admin): integrators, their API keys, metered usage, privacy budgets
per indicator family and what has been spent and released."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core import admin as core_admin
from apps.core.errors import DomainError
from apps.tenancy.admin import platform_admin_site

from . import budget, services
from .indicators import FAMILY_LABELS, Family
from .models import ApiKey, BudgetSpend, Partner, PrivacyBudget, ReleasedValue, UsageDay


class ApiKeyForm(forms.ModelForm[ApiKey]):
    scopes = forms.MultipleChoiceField(
        label=_("Cakupan"),
        choices=[(f.value, f"{f.value} — {FAMILY_LABELS[f]}") for f in Family],
        widget=forms.CheckboxSelectMultiple,
    )
    region_prefixes = forms.CharField(
        label=_("Wilayah yang diizinkan"), help_text=_("Kode Kemendagri dipisah koma, mis. 35.77 atau 35.77.03.1001")
    )

    class Meta:
        model = ApiKey
        fields = ["partner", "name", "scopes", "region_prefixes", "per_minute", "per_day", "expires_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["region_prefixes"] = ", ".join(self.instance.region_prefixes)

    def clean_scopes(self) -> list[str]:
        try:
            return services.clean_scopes(list(self.cleaned_data["scopes"]))
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message)) from None

    def clean_region_prefixes(self) -> list[str]:
        try:
            return services.clean_region_prefixes(self.cleaned_data["region_prefixes"].split(","))
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message)) from None


class ApiKeyInline(admin.TabularInline[ApiKey, Partner]):
    model = ApiKey
    fields = ("name", "prefix", "scopes", "region_prefixes", "per_minute", "per_day", "expires_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Partner, site=platform_admin_site)
class PartnerAdmin(admin.ModelAdmin[Partner]):
    list_display = ["name", "contact_email", "active", "created_at"]
    search_fields = ["name", "contact_email"]
    inlines = [ApiKeyInline]


@admin.register(ApiKey, site=platform_admin_site)
class ApiKeyAdmin(core_admin.ApiKeyAdmin):
    form = ApiKeyForm
    list_display = [
        "prefix",
        "partner",
        "name",
        "scopes",
        "region_prefixes",
        "per_minute",
        "per_day",
        "last_used_at",
        "status",
    ]
    list_filter = ["partner"]
    search_fields = ["prefix", "name", "partner__name"]

    def create_key(self, data: dict[str, Any]) -> tuple[ApiKey, str]:
        return services.create_api_key(
            partner=data["partner"],
            name=data["name"],
            scopes=data["scopes"],
            region_prefixes=data["region_prefixes"],
            per_minute=data["per_minute"],
            per_day=data["per_day"],
            expires_at=data["expires_at"],
        )

    def revoke_key(self, key: ApiKey) -> None:
        services.revoke_api_key(key)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: usage rows stay for billing


@admin.register(UsageDay, site=platform_admin_site)
class UsageDayAdmin(admin.ModelAdmin[UsageDay]):
    list_display = ["day", "api_key", "requests", "rows", "cells", "suppressed_cells", "throttled"]
    list_filter = ["day", "api_key__partner"]
    search_fields = ["api_key__prefix", "api_key__partner__name"]
    date_hierarchy = "day"
    list_select_related = ["api_key__partner"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PrivacyBudgetForm(forms.ModelForm[PrivacyBudget]):
    family = forms.ChoiceField(label=_("Keluarga indikator"), choices=[(f.value, FAMILY_LABELS[f]) for f in Family])

    class Meta:
        model = PrivacyBudget
        fields = ["family", "epsilon_per_release", "epsilon_per_period"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        per_release, per_period = data.get("epsilon_per_release"), data.get("epsilon_per_period")
        if per_release is not None and per_period is not None and per_period < per_release:
            raise forms.ValidationError(gettext("Epsilon per bulan harus paling sedikit epsilon per rilis."))
        return data


@admin.register(PrivacyBudget, site=platform_admin_site)
class PrivacyBudgetAdmin(admin.ModelAdmin[PrivacyBudget]):
    """Operators set each family's budget here; spend is listed under *Pemakaian anggaran privasi*."""

    form = PrivacyBudgetForm
    list_display = ["family", "epsilon_per_release", "epsilon_per_period", "updated_at"]

    def save_model(self, request: HttpRequest, obj: PrivacyBudget, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.set_privacy_budget(
            family=data["family"],
            epsilon_per_release=data["epsilon_per_release"],
            epsilon_per_period=data["epsilon_per_period"],
        )
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a family without a row falls back to the defaults, silently: keep rows


M = TypeVar("M", bound=models.Model)


class ReadOnlyAdmin(admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BudgetSpend, site=platform_admin_site)
class BudgetSpendAdmin(ReadOnlyAdmin[BudgetSpend]):
    list_display = ["period", "family", "region_code", "spent", "remaining", "releases", "updated_at"]
    list_filter = ["family", "period"]
    search_fields = ["region_code"]

    @admin.display(description=_("sisa"))
    def remaining(self, obj: BudgetSpend) -> float:
        return round(max(budget.policy_for(obj.family).epsilon_per_period - obj.spent, 0.0), 6)


@admin.register(ReleasedValue, site=platform_admin_site)
class ReleasedValueAdmin(ReadOnlyAdmin[ReleasedValue]):
    list_display = [
        "indicator",
        "region_code",
        "dimension",
        "period_start",
        "period_end",
        "value",
        "error_95",
        "epsilon",
        "partner",
        "released_at",
    ]
    list_filter = ["indicator", "period_start"]
    search_fields = ["region_code", "indicator"]
    list_select_related = ["partner"]
