"""A user journey in the browser: each step is a screenshot and an accessibility check.

`journey` (fixture in tests/browser/conftest.py) opens a phone-sized page (390×844, touch) and
gives a `Journey` whose `step("what the user sees")`:
- writes `test-results/journeys/<journey>/<nn>-<step>.png` (docs/tour.md shows the main ones);
- runs axe-core (vendored: tests/browser/vendor/axe-core, npm `axe-core`) on the page and fails
  the test on any serious or critical violation, naming the rule, the element and how to fix it.

axe is evaluated through the DevTools protocol (`page.evaluate`), which the page's
Content-Security-Policy does not govern, so pages keep their real CSP during the test.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

AXE_SOURCE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.1 A/AA rules, colour contrast included; best-practice rules are advice, not failures.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}


@cache
def _axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical WCAG violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [v for v in result["violations"] if v.get("impact") in FAILING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')}".rstrip())
    return "\n".join(lines)


class Journey:
    """Numbered, checked steps of one user's journey (see the module docstring)."""

    def __init__(self, page: Any, name: str, folder: Path) -> None:
        self.page = page
        self.name = name
        self.folder = folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def step(self, label: str, *, full_page: bool = False, allow: tuple[str, ...] = ()) -> Path:
        """`allow`: axe rule ids not failed on this page. Only for markup the project cannot
        change (Django admin's own templates that no override in templates/admin/ can fix
        sensibly); the caller names each rule and says why (tests/browser/test_journey_admin.py)."""
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{slug}.png"
        self.page.wait_for_load_state("networkidle")
        self.page.screenshot(path=str(path), full_page=full_page)
        violations = [v for v in axe_violations(self.page) if v["id"] not in allow]
        assert not violations, (
            f"{self.name}, step {self.count} ({label}) at {self.page.url}: accessibility violations\n"
            + describe(violations)
        )
        return path
