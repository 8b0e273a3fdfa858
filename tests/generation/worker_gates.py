"""Loaded by a fault test's worker (Celery ``imports``), never by the test run itself: points
where the worker waits for the test, so a fault comes at exactly the moment it names. A folder
named by an environment variable carries the signals: the worker touches ``held`` when it
gets there, and goes on when the test touches ``go`` (or after 60 s). Each gate holds once.

- SHOPREEL_TEST_PUBLISH_GATE: build_script is about to send the shots' chord (the first shot
  message it publishes);
- SHOPREEL_TEST_SHOT_GATE: a worker process has claimed a shot and is about to make it (the
  test kills it there, so the shot stays claimed by a task that is gone);
- SHOPREEL_TEST_RENDER_GATE: a render has reached 10 % of its first format (the test cuts the
  database there; the render's next progress write meets it).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery.signals import before_task_publish, task_prerun

SHOT_TASKS = ("generation.generate_shot", "generation.generate_shots")
RENDER_TASK = "generation.render_ad"


def _hold(variable: str) -> None:
    gate = os.environ.get(variable)
    if not gate:
        return
    folder = Path(gate)
    try:
        (folder / "held").touch(exist_ok=False)  # only the first one waits
    except FileExistsError:
        return
    deadline = time.monotonic() + 60
    while not (folder / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)


@before_task_publish.connect
def hold_the_chord(sender=None, **kwargs) -> None:
    if sender in SHOT_TASKS:
        _hold("SHOPREEL_TEST_PUBLISH_GATE")


@task_prerun.connect
def hold_a_claimed_shot(sender=None, **kwargs) -> None:
    """Before a shot task runs (Django is set up by then): its shot claims hold once claimed."""
    if getattr(sender, "name", None) not in SHOT_TASKS or not os.environ.get("SHOPREEL_TEST_SHOT_GATE"):
        return
    from generation import shots

    claim = shots._shot_claim
    if getattr(claim, "gated", False):
        return

    def claim_then_hold(**kwargs) -> bool:
        claimed = claim(**kwargs)
        if claimed:
            _hold("SHOPREEL_TEST_SHOT_GATE")
        return claimed

    claim_then_hold.gated = True
    shots._shot_claim = claim_then_hold


@task_prerun.connect
def hold_a_render(sender=None, **kwargs) -> None:
    """Before a render task runs: its render holds once at 10 % of a format."""
    if getattr(sender, "name", None) != RENDER_TASK or not os.environ.get("SHOPREEL_TEST_RENDER_GATE"):
        return
    from generation.render import compose

    render = compose.render_ad_video
    if getattr(render, "gated", False):
        return

    def render_then_hold(spec, *, progress, **kwargs):
        def gated(percent: int) -> None:
            if percent >= 10:
                _hold("SHOPREEL_TEST_RENDER_GATE")
            progress(percent)

        return render(spec, progress=gated, **kwargs)

    render_then_hold.gated = True
    compose.render_ad_video = render_then_hold
