"""Sections of a kelurahan's public profile page (the tenant home), contributed by the apps.

The home page belongs to apps.tenancy, which sits below the domain apps (import-linter layers):
it may not read laporan, agenda or the pasar itself. Each domain app registers a section here in
its AppConfig.ready() — a builder that reads through the app's own selectors and a template —
and the home page renders whatever is registered, each section cached under its app's scope
(apps.core.cache_scopes), so a write in one app refreshes only its own section.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from apps.core import cache_scopes


@dataclass(frozen=True)
class ProfileSection:
    key: str
    order: int
    scope: str  # the cache scope whose writes change what the section shows
    template: str
    build: Callable[[], dict[str, Any]]  # the template's context; only public facts


_sections: dict[str, ProfileSection] = {}


def register(section: ProfileSection) -> None:
    _sections[section.key] = section


def registered() -> list[ProfileSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def render_sections(parts: Iterable[object] = ()) -> list[SafeString]:
    """Every registered section as HTML, in order. `parts` are what the page depends on besides
    the data (host, language is added by the fragment cache)."""
    fixed = tuple(parts)
    return [cache_scopes.fragment(s.scope, ("profile", s.key, *fixed), s.template, s.build) for s in registered()]


def join(html: Iterable[SafeString]) -> SafeString:
    return mark_safe("".join(html))  # noqa: S308 - each part is a rendered, escaped template
