"""The storyboard editor: one card per scene of an ad (its photo, caption, voice-over,
duration, photo choice, camera move and shot type), reorder, add and remove scenes, the claims
check's findings marked on the words they concern with a button that applies the suggested
rewrite, and saving through the API's service (``ad_script_update``) with its errors shown on
the fields. Works without JavaScript: every button submits the form; only "Save" and "Save and
re-render" store anything. With htmx, the buttons but "Save and re-render" send the form in place
and get the editor's section back (``studio/_storyboard.html``; a save's redirect is followed to
it, with its message)."""

from __future__ import annotations

from typing import get_args

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from accounts import selectors as account_selectors
from accounts.htmx import fragment, vary_on_htmx, wants_fragment
from accounts.views import dashboard_page
from billing.jobs import ad_render_start_paid
from core.errors import Conflict, InvalidInput
from generation import selectors
from generation.ads import ad_script_update
from generation.studio import frames, storyboard
from generation.studio.views.common import refusals, refusals_to, require_writer
from templates_engine import compliance
from templates_engine.schema import CameraMove, ShotType, Transition

SHOT_TYPES = get_args(ShotType)
CAMERA_MOVES = get_args(CameraMove)
TRANSITIONS = get_args(Transition)
TEXT_FIELDS = ("caption", "voiceover", "badge")
_refusals = refusals_to("dashboard:storyboard", "ad_id")


def _cards(draft: dict, findings: list[dict], errors: dict[str, list[str]]) -> list[dict]:
    """Each scene with its values, its findings marked in each text and its errors by field."""
    cards = []
    for i, scene in enumerate(draft.get("scenes") or []):
        texts = {}
        for field in TEXT_FIELDS:
            path = f"scenes.{i}.{field}"
            on_text = [f for f in findings if f.get("path") == path]
            texts[field] = {
                "path": path,
                "findings": on_text,
                "pieces": storyboard.marked(str(scene.get(field) or ""), on_text),
                "suggestion": on_text[0]["suggestion"] if on_text else None,
                # a claim the check refused is shown once, in the findings box on the words
                "errors": [
                    e
                    for e in errors.get(path, [])
                    if not any(f"({f['rule']})" in e for f in on_text)
                ],
            }
        field_errors = {
            name: errors.get(f"scenes.{i}.{name}", []) for name in storyboard.SCENE_FIELDS
        }
        scene_errors = errors.get(f"scenes.{i}", [])
        cards.append(
            {
                "index": i,
                "number": i + 1,
                "scene": scene,
                "texts": texts,
                "errors": field_errors,
                "scene_errors": scene_errors,
                "names": {f: f"scenes-{i}-{f}" for f in TEXT_FIELDS},
            }
        )
    return cards


def _focus_after(action: str, draft: dict) -> str:
    """The field a keyboard user continues in after an in-place action (its element id):
    the rewritten text; the scene that took a removed one's place; a new scene's caption.
    "" where htmx keeps the focus itself (a moved scene's button keeps its id)."""
    if action.startswith("apply:"):
        return "id_" + action.removeprefix("apply:").replace(".", "-")
    kind, _, index = action.partition("-")
    if not index.isdigit():
        return ""
    count = len(draft.get("scenes") or [])
    if kind == "remove" and count:
        return f"id_scenes-{min(int(index), count - 1)}-caption"
    if kind == "add" and int(index) + 1 < count:
        return f"id_scenes-{int(index) + 1}-caption"
    return ""


def _page(request, access, ad, draft: dict, *, errors=None, unsaved=False, status=200, focus=""):
    product_data = ad.product.as_script_input()
    findings = [
        f.as_dict() for f in compliance.check_script(draft, product=product_data, market=ad.market)
    ]
    errors = errors or {}
    known = {
        f"scenes.{i}.{name}"
        for i in range(len(draft.get("scenes") or []))
        for name in storyboard.SCENE_FIELDS
    }
    known |= {f"scenes.{i}" for i in range(len(draft.get("scenes") or []))}
    cta_findings = [f for f in findings if f.get("path") == "cta"]
    context = {
        "ad": ad,
        "draft": draft,
        "cards": _cards(draft, findings, errors),
        "general_errors": {k: v for k, v in errors.items() if k not in known and k != "cta"},
        "cta": {
            "value": draft.get("cta", ""),
            "findings": cta_findings,
            "errors": errors.get("cta", []),
            "pieces": storyboard.marked(str(draft.get("cta") or ""), cta_findings),
            "suggestion": cta_findings[0]["suggestion"] if cta_findings else None,
        },
        "blocking": [f for f in findings if f["severity"] == "block"],
        "images": list(ad.product.images.order_by("position")),
        "shot_types": SHOT_TYPES,
        "camera_moves": CAMERA_MOVES,
        "transitions": TRANSITIONS,
        "busy": selectors.ad_busy(ad=ad),
        "latest_job": ad.jobs.all()[0] if ad.jobs.all() else None,
        "unsaved": unsaved,
        "focus": focus,
        # scenes whose poster frame the current render shows (none once the script changed)
        "framed": {sc.get("id") for sc in ad.script.get("scenes") or []}
        if frames.frames_source(ad)
        else set(),
    }
    if wants_fragment(request):
        context |= {"access": access, "current": access.workspace, "in_place": True}
        return fragment(request, "studio/_storyboard.html", context, status=status)
    return vary_on_htmx(
        dashboard_page(request, "studio/storyboard.html", context, access=access, status=status)
    )


@require_http_methods(["GET", "POST"])
@_refusals
def storyboard_page(request, workspace_id, ad_id):
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    ad = selectors.ad_get(workspace=access.workspace, ad_id=ad_id)
    if request.method == "GET":
        return _page(request, access, ad, ad.script)
    require_writer(access)
    draft = storyboard.draft_from_form(ad.script, request.POST)
    action = request.POST.get("action", "save")
    if action.startswith("apply:"):
        findings = [
            f.as_dict()
            for f in compliance.check_script(
                draft, product=ad.product.as_script_input(), market=ad.market
            )
        ]
        draft = storyboard.draft_apply(draft, path=action.removeprefix("apply:"), findings=findings)
        return _page(request, access, ad, draft, unsaved=True, focus=_focus_after(action, draft))
    if action not in ("save", "render"):
        focus = ""
        try:
            draft = storyboard.draft_edit(draft, action)
            focus = _focus_after(action, draft)
        except InvalidInput as exc:
            messages.error(request, exc.message)
        return _page(request, access, ad, draft, unsaved=True, focus=focus)
    if selectors.ad_busy(ad=ad):
        raise Conflict(
            "The ad is being rendered: wait for its job to end (or cancel it), then save.",
            code="ad_busy",
        )
    override = (
        f"{request.user.email} (studio)"
        if request.POST.get("override_compliance") == "on"
        else False
    )
    try:
        ad_script_update(ad=ad, script=draft, override_compliance=override)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return _page(request, access, ad, draft, errors=exc.detail or {}, unsaved=True, status=400)
    if action == "render":
        job = ad_render_start_paid(ad=selectors.ad_get(workspace=access.workspace, ad_id=ad_id))
        return redirect("dashboard:job", workspace_id, job.id)
    messages.success(request, "Saved. Re-render the ad to see the changes in the video.")
    return redirect("dashboard:storyboard", workspace_id, ad.id)


@require_GET
@refusals
def scene_frame_view(request, workspace_id, ad_id):
    """``?scene=<id>``: that scene's poster frame from the ad's current render, to members only;
    404 when the script changed since (the storyboard then shows the scene's photo)."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    ad = selectors.ad_get(workspace=access.workspace, ad_id=ad_id)
    output = frames.frames_source(ad)
    ids = [s.get("id") for s in ad.script.get("scenes") or []]
    scene = request.GET.get("scene", "")
    if output is None or scene not in ids:
        raise Http404("No frame for this scene.")
    try:
        handle = frames.scene_frame(ad=ad, output=output, index=ids.index(scene))
    except frames.FrameUnavailable as exc:
        raise Http404("No frame for this scene.") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
