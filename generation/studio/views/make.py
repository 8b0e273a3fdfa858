"""Making ads: the studio's overview (the "Product link" form, the recent ads), and for an
imported product (``?product=<id>``) the template gallery with every option and up to four
variants made side by side; the price before confirming (billing on)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as account_selectors
from accounts.views import dashboard_page
from billing.jobs import job_quote, job_start_paid
from core.errors import ApplicationError, InvalidInput, NotFound, PermissionDenied
from core.vocabulary import FORMATS, LANGUAGES, MARKETS
from generation import selectors
from generation.studio.gallery import template_gallery
from generation.studio.views.common import refusals, require_writer, uuid_or_404
from generation.training.selectors import adapters_trained_with
from products.selectors import product_get
from templates_engine.builder import PLATFORMS
from templates_engine.definitions import TONES

LENGTHS = (6, 10, 15, 30, 60)
MAX_VARIANTS = 4
RECENT_JOBS = 10
PLATFORM_NAMES = {
    "": "Any",
    "tiktok": "TikTok",
    "reels": "Instagram Reels",
    "shorts": "YouTube Shorts",
    "youtube": "YouTube",
    "facebook": "Facebook",
    "instagram": "Instagram feed",
}
BAD_LINK = "The product link must be a web address (https://…) of a product page."
_LABELS = {
    "url": "The product link",
    "formats": "Formats",
    "variants": "Variants",
    "cta": "Call to action",
}


def workspace_defaults(workspace) -> dict:
    """The make-ad form's starting values: the workspace's settings, else Shopreel's."""
    language = workspace.default_language if workspace.default_language in LANGUAGES else "en"
    market = workspace.default_market if workspace.default_market in MARKETS else "US"
    formats = [f for f in (workspace.default_formats or []) if f in FORMATS] or ["9:16"]
    return {"language": language, "market": market, "formats": formats, "length": 15}


class MakeAdForm(forms.Form):
    url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )
    product = forms.UUIDField(required=False)
    template = forms.CharField(required=False, max_length=80)
    language = forms.ChoiceField(choices=[(code, code) for code in LANGUAGES])
    length = forms.TypedChoiceField(choices=[(n, n) for n in LENGTHS], coerce=int)
    formats = forms.MultipleChoiceField(choices=[(f, f) for f in FORMATS])
    platform = forms.ChoiceField(required=False, choices=[(p, p) for p in PLATFORMS])
    tone = forms.ChoiceField(required=False, choices=[("", "")] + [(t, t) for t in TONES])
    market = forms.ChoiceField(required=False, choices=[(m, m) for m in MARKETS])
    cta = forms.CharField(required=False, max_length=60)
    no_cta = forms.BooleanField(required=False)
    variants = forms.TypedChoiceField(
        required=False,
        choices=[(n, n) for n in range(1, MAX_VARIANTS + 1)],
        coerce=int,
        empty_value=1,
    )

    def options(self) -> dict:
        """The checked options, or the first problem as ``InvalidInput`` (a message on the page)."""
        if not self.is_valid():
            field, errors = next(iter(self.errors.items()))
            if field == "url":
                raise InvalidInput(BAD_LINK, code="bad_link", detail={"url": [BAD_LINK]})
            message = f"{_LABELS.get(field, field.capitalize())}: {errors[0]}"
            raise InvalidInput(message, code="invalid", detail={field: [message]})
        data = self.cleaned_data
        if not data["url"] and not data["product"]:
            raise InvalidInput(BAD_LINK, code="bad_link", detail={"url": [BAD_LINK]})
        options = {
            "language": data["language"],
            "length": data["length"],
            "formats": data["formats"],
            "market": data["market"] or "US",  # the link's form sends the workspace's default
        }
        if data["product"]:  # the product's page: every option
            cta = "" if data["no_cta"] else (data["cta"].strip() or None)
            options.update(
                template=data["template"] or "auto",
                platform=data["platform"] or "",
                tone=data["tone"] or "",
                cta=cta,
            )
        return options


def _price_context(workspace, options: dict, variants: int) -> dict:
    """The price of what the form would make (with billing on), or why the plan refuses it."""
    if not settings.SHOPREEL_BILLING:
        return {"billing_on": False}
    try:
        quote = job_quote(workspace=workspace, options=options)
    except ApplicationError as exc:  # the plan refuses these options: say so, no price
        return {"billing_on": True, "quote": None, "quote_refused": exc.message}
    total = quote.price.credits * variants
    return {
        "billing_on": True,
        "quote": quote,
        "variants": variants,
        "total": total,
        "affordable": (quote.balance or 0) >= total,
        "options": options,
    }


@require_GET
@refusals
def overview(request, workspace_id):
    """``/app/w/<id>/``: the studio (make an ad, the newest jobs) above the workspace's
    overview; with ``?product=<id>`` the gallery and options for that product."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    return _studio_page(request, access, product_id=request.GET.get("product"), asked=request.GET)


def _chosen(posted) -> dict:
    """What a refused "Make ad" form chose, as the form shows it again (only known values:
    the page never echoes a value it does not list)."""
    chosen: dict = {
        "formats": [f for f in posted.getlist("formats") if f in FORMATS],
        "template": posted.get("template", "")[:80],
        "platform": posted.get("platform", "") if posted.get("platform", "") in PLATFORMS else "",
        "tone": posted.get("tone", "") if posted.get("tone", "") in TONES else "",
        "cta": posted.get("cta", "")[:60],
        "no_cta": bool(posted.get("no_cta")),
        "url": posted.get("url", "")[:2000],
    }
    if posted.get("market") in MARKETS:
        chosen["market"] = posted["market"]
    if posted.get("variants", "").isdigit() and 1 <= int(posted["variants"]) <= MAX_VARIANTS:
        chosen["variants"] = int(posted["variants"])
    return chosen


def _field_errors(exc: ApplicationError) -> dict[str, str]:
    """A refusal's message on the form's fields it names (``detail``: the form's and
    ``JobOptions``' problems by name, a plan limit's ``length`` or ``formats``)."""
    errors = {}
    for name, value in (exc.detail or {}).items():
        field = "variants" if name == "variant" else name
        if field in MakeAdForm.base_fields and field != "product":
            listed = isinstance(value, list) and value and isinstance(value[0], str)
            errors[field] = value[0] if listed else exc.message
    return errors


def _studio_page(request, access, *, product_id, asked, refused=None, status=200):
    """The studio; ``asked``: the query (or a refused form's POST) naming the product's
    language and length; ``refused``: a refused "Make ad" (its ApplicationError), shown with
    the merchant's choices and its message on the fields it concerns."""
    defaults = workspace_defaults(access.workspace)
    errors = _field_errors(refused) if refused is not None else {}
    if refused is not None:
        defaults.update(_chosen(asked))
    context = {
        "languages": LANGUAGES,
        "lengths": LENGTHS,
        "formats": FORMATS,
        "markets": MARKETS,
        "tones": TONES,
        "platforms": [(p, PLATFORM_NAMES.get(p, p)) for p in PLATFORMS],
        "max_variants": range(1, MAX_VARIANTS + 1),
        "defaults": defaults,
        "errors": errors,
        "form_error": refused.message if refused is not None and not errors else "",
        "jobs": selectors.jobs_recent(workspace=access.workspace, limit=RECENT_JOBS),
        "billing_on": settings.SHOPREEL_BILLING,
    }
    language = asked.get("language") if asked.get("language") in LANGUAGES else defaults["language"]
    try:
        length = int(asked.get("length", defaults["length"]))
    except ValueError:
        length = defaults["length"]
    length = length if length in LENGTHS else defaults["length"]
    if product_id is not None or refused is not None:  # the form's (or the query's) choice
        defaults.update(language=language, length=length)
    if product_id is not None:
        product = product_get(workspace=access.workspace, product_id=uuid_or_404(product_id))
        images = list(product.images.order_by("position"))
        gallery = template_gallery(
            product=product.as_script_input(), language=language, length=length
        )
        if defaults.get("template") not in {c.slug for c in gallery.cards if c.fits}:
            defaults["template"] = ""  # a refused form's unknown or unfit one: the recommended
        # each preview shows the photo its template's first scene would use
        photos = [
            images[c.image_index % len(images)].id if images and c.fits else None
            for c in gallery.cards
        ]
        context.update(
            product=product,
            images=images,
            gallery=gallery,
            cards=list(zip(gallery.cards, photos, strict=True)),
        )
    if access.can_write:
        context.update(
            _price_context(
                access.workspace,
                {k: defaults[k] for k in ("language", "length", "formats")},
                defaults.get("variants", 1) if product_id is not None else 1,
            )
        )
    if access.is_owner:
        context["trained_with"] = len(adapters_trained_with(workspace=access.workspace))
    return dashboard_page(request, "accounts/workspace.html", context, access=access, status=status)


@require_GET
@refusals
def ad_quote(request, workspace_id):
    """The price fragment the make-ad form fetches when its length, formats or variants change."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    form = MakeAdForm(
        {
            **request.GET.dict(),
            "formats": request.GET.getlist("formats"),
            "url": "https://x.invalid/",
        }
    )
    try:
        options = form.options()
    except InvalidInput as exc:
        return render(
            request,
            "studio/_price.html",
            {"billing_on": settings.SHOPREEL_BILLING, "quote_refused": exc.message},
        )
    options = {k: options[k] for k in ("language", "length", "formats")}
    context = _price_context(access.workspace, options, form.cleaned_data["variants"] or 1)
    response = render(request, "studio/_price.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@refusals
def ad_make(request, workspace_id):
    """The "Make ad" form: one paid job per variant (all or none: too few credits for the last
    and none is queued), then the job's page, or the variants side by side (POST-redirect-GET).
    A refusal (a bad value, a plan limit, too few credits, a product not ready) comes back as
    the form with the merchant's choices and the message on its field (400)."""
    access = account_selectors.workspace_access(user=request.user, workspace_id=workspace_id)
    require_writer(access)
    try:
        jobs = _make(access, MakeAdForm(request.POST))
    except (NotFound, PermissionDenied):  # another workspace's product: 404
        raise
    except ApplicationError as exc:  # a bad id for the product is a 404 from the page too
        product_id = request.POST.get("product") or None
        return _studio_page(
            request, access, product_id=product_id, asked=request.POST, refused=exc, status=400
        )
    if len(jobs) == 1:
        return redirect("dashboard:job", workspace_id, jobs[0].id)
    return redirect(
        reverse("dashboard:jobs-compare", args=[workspace_id])
        + "?jobs="
        + ",".join(str(j.id) for j in jobs)
    )


def _make(access, form: MakeAdForm) -> list:
    options = form.options()
    product_id = form.cleaned_data["product"]
    product = product_get(workspace=access.workspace, product_id=product_id) if product_id else None
    count = (form.cleaned_data["variants"] or 1) if product else 1
    with transaction.atomic():
        return [
            job_start_paid(
                workspace=access.workspace,
                url=form.cleaned_data["url"] or "",
                product=product,
                options={**options, "variant": k},
            )
            for k in range(count)
        ]
