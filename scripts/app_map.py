"""Print the app map: the layers of .importlinter and the imports between apps, from the code.

    .venv/bin/python scripts/app_map.py            # layer table (Markdown)
    .venv/bin/python scripts/app_map.py --mermaid  # the app graph as a Mermaid flowchart

The layers are read from the `layers` contract in .importlinter; the edges are the direct
imports between apps that grimp finds (the same graph `lint-imports` checks, type-only imports
left out), with the contracts' ignored imports marked. Exit status 1 if the app graph has a
cycle once the ignored imports are removed (what the `acyclic` contract refuses).
"""

from __future__ import annotations

import argparse
import configparser
import sys
from collections import defaultdict
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
CONTAINER = "apps"


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]


def read_contracts() -> tuple[list[list[str]], set[tuple[str, str]]]:
    """The layers (top first, each a list of app names) and every ignored import pair."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = [
        [name.strip() for name in line.replace("|", ":").split(":")]
        for line in _lines(config["importlinter:contract:layers"]["layers"])
    ]
    ignored: set[tuple[str, str]] = set()
    for section in config.sections():
        for line in _lines(config[section].get("ignore_imports", "")):
            importer, imported = (part.strip() for part in line.split("->"))
            ignored.add((importer, imported))
    return layers, ignored


def app_edges(ignored: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int]]:
    """(importer app, imported app) -> (imports, of which ignored by a contract)."""
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(CONTAINER, cache_dir=None, exclude_type_checking_imports=True)
    edges: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = importer.split(".")[1:2], imported.split(".")[1:2]
            if not a or not b or a == b:
                continue
            counts = edges[(a[0], b[0])]
            counts[0] += 1
            counts[1] += (importer, imported) in ignored
    return {key: (total, skipped) for key, (total, skipped) in edges.items()}


def cycles(edges: dict[tuple[str, str], tuple[int, int]]) -> list[list[str]]:
    """Strongly connected components of more than one app, counting only imports not ignored."""
    graph: dict[str, set[str]] = defaultdict(set)
    for (a, b), (total, skipped) in edges.items():
        if total > skipped:
            graph[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def table(layers: list[list[str]], edges: dict[tuple[str, str], tuple[int, int]]) -> str:
    rows = ["| Layer | App | Imports (apps it uses) |", "|---|---|---|"]
    for number, layer in enumerate(layers):
        for app in layer:
            uses = sorted(b for (a, b) in edges if a == app)
            marked = [f"{b}*" if edges[(app, b)][1] == edges[(app, b)][0] else b for b in uses]
            rows.append(f"| {len(layers) - number} | {app} | {', '.join(marked) or '-'} |")
    return "\n".join(rows) + "\n\n(* only through imports listed as exceptions in .importlinter)"


def mermaid(layers: list[list[str]], edges: dict[tuple[str, str], tuple[int, int]]) -> str:
    out = ["flowchart TD"]
    for number, layer in enumerate(layers):
        out.append(f"  subgraph L{len(layers) - number}[layer {len(layers) - number}]")
        out += [f"    {app}" for app in layer]
        out.append("  end")
    for (a, b), (total, skipped) in sorted(edges.items()):
        out.append(f"  {a} {'-.->' if skipped == total else '-->'} {b}")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mermaid", action="store_true", help="print a Mermaid flowchart instead of the table")
    args = parser.parse_args()
    layers, ignored = read_contracts()
    edges = app_edges(ignored)
    sys.stdout.write((mermaid(layers, edges) if args.mermaid else table(layers, edges)) + "\n")
    found = cycles(edges)
    for component in found:
        sys.stderr.write("cycle between apps: " + ", ".join(component) + "\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
