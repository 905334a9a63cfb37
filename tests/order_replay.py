"""Record and replay the order in which a test process ran its tests.

Under pytest-xdist (`make test`) how the tests are shared out between the workers depends on
timing, so the seed alone does not repeat what one worker ran before a failure. CI sets
KOTAKITA_TEST_ORDER=.data/ci/order: every process appends each test it runs to
`<worker>.txt` there (`gw0`, `gw1`, or `main` without xdist). KOTAKITA_TEST_REPLAY=that file
runs exactly those tests, in that order, in one process:

    KOTAKITA_TEST_REPLAY=.data/ci/order/gw1.txt .venv/bin/python -m pytest -n 0
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.hookimpl(trylast=True)  # after pytest-randomly's shuffle, which it undoes
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    replay = os.environ.get("KOTAKITA_TEST_REPLAY")
    if not replay:
        return
    wanted = {nodeid: n for n, nodeid in enumerate(Path(replay).read_text(encoding="utf-8").splitlines()) if nodeid}
    kept = sorted((item for item in items if item.nodeid in wanted), key=lambda item: wanted[item.nodeid])
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in wanted])
    items[:] = kept


def pytest_runtest_setup(item: pytest.Item) -> None:
    folder = os.environ.get("KOTAKITA_TEST_ORDER")
    if folder:
        os.makedirs(folder, exist_ok=True)
        name = os.environ.get("PYTEST_XDIST_WORKER", "main")
        with open(os.path.join(folder, f"{name}.txt"), "a", encoding="utf-8") as order:
            order.write(item.nodeid + "\n")
