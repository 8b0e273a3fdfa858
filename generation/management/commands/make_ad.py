"""python manage.py make_ad URL --out DIR [--format 9:16 ...] [--template SLUG] [--language CODE]

Product link → finished ads, in this process, with the same services the Celery workers run.
``--demo`` serves the built-in demo shop on loopback and makes an ad for each of its products,
so the command works offline.
"""

from __future__ import annotations

import json
import shutil
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.text import slugify

from accounts import storage as media_storage
from accounts.selectors import workspace_by_slug
from accounts.services import workspace_get_or_create_default
from billing.jobs import job_create_paid, job_quote
from core.errors import ApplicationError, InvalidInput
from generation import services
from generation.models import RenderJob
from generation.options import JobOptions
from generation.render.spec import FORMATS
from products.services import fetcher_build
from templates_engine import compliance


class Command(BaseCommand):
    help = "Make captioned, voiced video ads from a product page."

    def add_arguments(self, parser):
        parser.add_argument("url", nargs="?", help="the product page")
        parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the finished files (default ./out)")
        defaults = JobOptions()
        parser.add_argument("--format", dest="formats", action="append",
                            help=f"output format ({', '.join(FORMATS)}); repeat for several "
                                 f"(default {', '.join(defaults.formats)})")
        parser.add_argument("--template", help=f"template slug, or auto (default {defaults.template})")
        parser.add_argument("--language", help=f"language of the script and voice (default {defaults.language})")
        parser.add_argument("--length", type=float, help=f"seconds (default {defaults.length:g})")
        parser.add_argument("--seed", type=int, help=f"(default {defaults.seed})")
        parser.add_argument("--market", help="advertising rules the copy is checked against "
                                             f"({', '.join(compliance.MARKETS)}; default {defaults.market})")
        parser.add_argument("--override-compliance", action="store_true",
                            help="render even when the claims check blocks; recorded on the ad")
        parser.add_argument("--platform", help="tiktok, reels, shorts, ... (shapes the copy)")
        parser.add_argument("--tone", help="friendly, energetic, premium, playful")
        parser.add_argument("--cta", help='call to action text ("" for no end card)')
        parser.add_argument("--no-voice", action="store_true", help="no voice-over")
        parser.add_argument("--no-music", action="store_true", help="no music bed")
        parser.add_argument("--workspace", help="workspace slug (default: the command line's own)")
        parser.add_argument("--demo", action="store_true", help="serve the built-in demo shop and make its ads")
        parser.add_argument("--demo-product", action="append", help="with --demo: only this product (slug)")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def handle(self, *args, **opts):
        if bool(opts["url"]) == bool(opts["demo"]):
            raise CommandError("Give a product URL, or --demo for the built-in demo shop.")
        _migrate_embedded_database()
        workspace = workspace_by_slug(slug=opts["workspace"]) if opts["workspace"] else workspace_get_or_create_default()
        try:
            # An option not given (None) takes JobOptions' default.
            options = JobOptions.from_input({
                "template": opts["template"],
                "language": opts["language"],
                "formats": opts["formats"],
                "length": opts["length"],
                "seed": opts["seed"],
                "market": opts["market"],
                "override_compliance": "command line" if opts["override_compliance"] else None,
                "platform": opts["platform"],
                "tone": opts["tone"],
                "cta": opts["cta"],
                "voice": settings.SHOPREEL_VOICE and not opts["no_voice"],
                "music": settings.SHOPREEL_MUSIC and not opts["no_music"],
            })
        except InvalidInput as exc:
            problems = dict.fromkeys(message for messages in exc.detail.values() for message in messages)
            raise CommandError(" ".join(problems) or exc.message) from None
        try:
            quote = job_quote(workspace=workspace, options=options)  # the price, before any work
        except ApplicationError as exc:  # a plan limit
            raise CommandError(exc.message) from None

        with ExitStack() as stack:
            if opts["demo"]:
                urls, allow = self._start_demo(stack, opts["demo_product"])
                demo_slugs = {url: slug for slug, url in self._demo_urls.items()}
            else:
                urls, allow = [opts["url"]], ()
            fetcher = fetcher_build(extra_allow_hosts=allow)
            results, failures = [], []
            for url in urls:
                try:
                    job = job_create_paid(workspace=workspace, url=url, options=options)
                except ApplicationError as exc:  # 402: too few credits, a plan limit
                    failures.append(f"{url}: {exc.message}")
                    continue
                try:
                    if opts["demo"]:  # the demo shop's own translations, entered as merchant edits
                        self._demo_translations(job=job, fetcher=fetcher, slug=demo_slugs[url], options=options)
                    job = services.job_run_inline(job_id=job.id, fetcher=fetcher)
                except Exception:
                    # The job holds the plain-language reason; the traceback is for --verbosity 2.
                    if opts["verbosity"] > 1:
                        raise
                    job.refresh_from_db()
                if job.state != RenderJob.State.SUCCEEDED:
                    failures.append(f"{url}: {job.error or 'the job did not finish'}")
                    continue
                results.append({**_export(job=job, out_dir=opts["out"]), "cost": quote.price.credits, "charged": job.charged})

        if opts["json"]:
            self.stdout.write(json.dumps(
                {"ads": results, "errors": failures, "quote": quote.as_dict()}, ensure_ascii=False, indent=2
            ))
        else:
            for result in results:
                for output in result["outputs"]:
                    self.stdout.write(output["video"])
        if failures:
            raise CommandError(failures[0] if len(failures) == 1 else "; ".join(failures))

    def _start_demo(self, stack: ExitStack, only: list[str] | None):
        from products.demo.server import DemoShop

        shop = stack.enter_context(DemoShop())
        urls = shop.product_urls
        if only:
            unknown = sorted(set(only) - set(urls))
            if unknown:
                raise CommandError(f"No demo product {', '.join(unknown)}; the demo shop has {', '.join(urls)}.")
            urls = {slug: url for slug, url in urls.items() if slug in only}
        self._demo_urls = urls
        return list(urls.values()), (shop.host_port,)

    def _demo_translations(self, *, job: RenderJob, fetcher, slug: str, options: JobOptions) -> None:
        """Read the demo page (the job's scrape stage), then enter the demo shop's own
        translations for the ad's language through the merchant-edit service
        (``products.demo.translations``: labelled merchant edits, not machine output)."""
        from generation.ads import ad_copy_language
        from products.demo.translations import demo_translations_apply

        services.job_scrape(job_id=job.id, fetcher=fetcher)
        job.refresh_from_db()
        if job.product is not None and job.product.status == job.product.Status.IMPORTED:
            demo_translations_apply(product=job.product, slug=slug, language=ad_copy_language(options))


def _export(*, job: RenderJob, out_dir: Path) -> dict:
    """Copy the job's files to the user's folder under readable names."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ad = job.ad
    stem = slugify(ad.product.title)[:50] or "ad"
    outputs = []
    for output in job.outputs.order_by("format"):
        names = {}
        for kind, field in (("video", output.video), ("poster", output.poster), ("srt", output.srt), ("vtt", output.vtt)):
            target = out_dir / f"{stem}-{output.format.replace(':', 'x')}{Path(field.name).suffix}"
            with media_storage.local_path(field.name) as source:  # a download, with media in a bucket
                shutil.copyfile(source, target)
            names[kind] = str(target.resolve())
        outputs.append({"format": output.format, "duration": round(output.duration, 3), **names})
    return {
        "job": str(job.id),
        "ad": str(ad.id),
        "product": ad.product.title,
        "url": job.source_url,
        "template": ad.template,
        "language": ad.language,
        "outputs": outputs,
    }


def _migrate_embedded_database() -> None:
    """The embedded SQLite database is created on first use; servers migrate explicitly."""
    if connection.vendor != "sqlite":
        return
    Path(settings.DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0, interactive=False)
