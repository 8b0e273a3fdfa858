"""The training items of a vertical's products (or one workspace's), read from the database.

Per product: up to ``photos`` photos (position order; the cut-out where there is one) as
static-clip items, and each existing video as a clip item conditioned on the main photo:
the product's diffusion shot clips first, then its rendered ads (their opening frames). The
caption is the newest ad's script (scene captions and voice-over), else the title and features.
Files that are missing or unreadable are left out and counted, never fatal.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from PIL import Image

from accounts import storage as media_storage
from core.errors import ApplicationError
from generation.backends.base import ShotAsset
from generation.models import Ad, RenderOutput, Shot
from generation.training.dataset import DatasetSummary, TrainingItem
from products.models import Product

logger = logging.getLogger(__name__)

CAPTION_CHARS = 400


def training_items_for(
    *, vertical: str, workspace=None, photos: int = 3, clips: int = 3
) -> tuple[list[TrainingItem], DatasetSummary]:
    """Items and their summary; ApplicationError (``no_products`` / ``no_photos``) when there
    is nothing to train on, naming the vertical and workspace.

    Without ``workspace`` (a vertical-wide adapter, used for every merchant's shots) only the
    products of workspaces that opted in (``Workspace.share_for_training``) are read: a
    merchant's photos never train a model other merchants use unless they agreed. The summary
    records which workspaces contributed, so an opt-out can be traced to existing adapters."""
    products = Product.objects.filter(vertical=vertical).exclude(
        status__in=[Product.Status.PENDING, Product.Status.FAILED]
    )
    if workspace is not None:
        products = products.filter(workspace=workspace)
    else:
        products = products.filter(workspace__share_for_training=True)
    products = list(products.prefetch_related("images").order_by("created_at", "id"))
    scope = f"the vertical {vertical!r}" + (
        f" of the workspace {workspace.slug!r}" if workspace else " of workspaces that share their products for training"
    )
    if not products:
        hint = "" if workspace else " (none has opted in: Workspace.share_for_training, set by its owner on the dashboard)"
        raise ApplicationError(
            f"No imported products in {scope}: nothing to train on{hint}.", code="no_products"
        )

    items: list[TrainingItem] = []
    summary = DatasetSummary()
    for product in products:
        readable = [
            image for image in product.images.all() if _readable_image(image.file.name)
        ][:photos]
        if not readable:
            continue
        caption = _caption(product)
        main = readable[0]
        for image in readable:
            items.append(_item(product, image, caption))
        summary.images += len(readable)
        videos = _videos(product)[:clips]
        for clip in videos:
            items.append(_item(product, main, caption, clip=clip))
        summary.clips += len(videos)
        summary.product_ids.append(str(product.id))
        if str(product.workspace_id) not in summary.workspace_ids:
            summary.workspace_ids.append(str(product.workspace_id))
    if not items:
        raise ApplicationError(
            f"None of the {len(products)} products in {scope} has a readable photo: nothing to train on.",
            code="no_photos",
        )
    summary.items = len(items)
    return items, summary


def _item(product, image, caption: str, *, clip: Path | None = None) -> TrainingItem:
    cutout = image.cutout.name if image.cutout else ""
    return TrainingItem(
        product_id=str(product.id),
        photo=_local(image.file.name),
        cutout=_local(cutout) if cutout and _readable_image(cutout) else None,
        caption=caption,
        clip=clip,
    )


def _local(name: str) -> Path | None:
    """A stored file as a local path: under MEDIA_ROOT, or downloaded into the enclosing
    ``accounts.storage.downloads()`` folder (media in a bucket); None for a name that leaves
    MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        path = media_storage.fetch(name)
    except ValueError:  # an absolute name, or one with ".."
        return None
    return path if root in path.resolve().parents else None


def _readable_image(name: str) -> bool:
    if not name:
        return False
    path = _local(name)
    if path is None:  # a stored name never leaves MEDIA_ROOT
        logger.warning("training: photo outside MEDIA_ROOT left out", extra={"path": name})
        return False
    try:
        with Image.open(path) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        logger.warning("training: unreadable photo left out", extra={"path": str(path)})
        return False
    return True


def _caption(product) -> str:
    """The newest ad's words for this product, else its title and features."""
    ad = Ad.objects.filter(product=product).order_by("-created_at").first()
    if ad is not None:
        words = []
        for scene in (ad.script or {}).get("scenes", []):
            for key in ("caption", "voiceover"):
                text = str(scene.get(key) or "").strip()
                if text and text not in words:
                    words.append(text)
        if words:
            return " ".join(words)[:CAPTION_CHARS]
    parts = [product.title, *[str(f) for f in product.features or []]]
    return ". ".join(p.strip() for p in parts if p and p.strip())[:CAPTION_CHARS] or "a product"


def _videos(product) -> list[Path]:
    """The product's existing videos on disk: diffusion shot clips, then rendered ads."""
    found: list[Path] = []
    shots = Shot.objects.filter(ad__product=product, state=Shot.State.DONE, backend="diffusion").order_by(
        "-created_at"
    )
    for shot in shots:
        try:
            asset = ShotAsset.from_json(shot.asset or {})
        except ValueError:  # not a made shot's asset: nothing to learn from
            continue
        if asset.kind == "clip" and asset.path:
            found.append(_local(asset.path))
    outputs = RenderOutput.objects.filter(ad__product=product).order_by("-created_at")
    found += [_local(output.video.name) for output in outputs if output.video]
    return [path for path in found if path is not None and path.is_file()]
