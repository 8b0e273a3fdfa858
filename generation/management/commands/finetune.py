"""python manage.py finetune --vertical V [--workspace SLUG] --steps N [--out DIR] [--queue] [--json]

Fine-tune a LoRA adapter of the video model (SHOPREEL_DIFFUSION_PIPELINE on
SHOPREEL_DIFFUSION_WEIGHTS_DIR) on a vertical's products, or one workspace's, in this process,
with the same service the gpu task runs, and register it for the diffusion backend; with
--queue, make the adapter's row (state queued) here and hand its run to a gpu worker, and
print the row's id (also the task's id). Without --workspace the
adapter is vertical-wide: trained on the products of workspaces that opted in
(Workspace.share_for_training) and used for every workspace's products of that vertical
(operators only; no API makes one).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import workspace_by_slug
from core.errors import ApplicationError
from core.vocabulary import VERTICALS
from generation.training.services import model_adapter_train, model_adapter_train_start


class Command(BaseCommand):
    help = "Fine-tune a LoRA adapter of the video model on a vertical's (or a workspace's) products."

    def add_arguments(self, parser):
        parser.add_argument("--vertical", required=True, choices=VERTICALS)
        parser.add_argument("--workspace", help="workspace slug (default: vertical-wide, every workspace)")
        parser.add_argument("--steps", type=int, required=True, help="optimizer steps")
        parser.add_argument("--out", help="folder the adapter's folder goes in (default SHOPREEL_TRAINING_DIR/...)")
        parser.add_argument("--rank", type=int, default=None, help="LoRA rank (default SHOPREEL_TRAINING_RANK)")
        parser.add_argument("--learning-rate", type=float, default=None)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--queue", action="store_true", help="run on a gpu worker (queue SHOPREEL_QUEUE_GPU), not here"
        )
        parser.add_argument("--json", action="store_true", help="print the adapter as JSON")

    def handle(self, *args, **opts):
        try:
            workspace = workspace_by_slug(slug=opts["workspace"]) if opts["workspace"] else None
            if opts["queue"]:
                if opts["out"] or opts["learning_rate"] is not None or opts["seed"]:
                    raise CommandError("--queue takes --vertical, --workspace, --steps and --rank only.")
                queued = model_adapter_train_start(
                    vertical=opts["vertical"], workspace=workspace, steps=opts["steps"], rank=opts["rank"]
                )
                # The task's id is the row's id.
                task_id, queue = str(queued.id), settings.SHOPREEL_QUEUE_GPU
                self.stdout.write(
                    json.dumps({"adapter": task_id, "state": queued.state, "task": task_id, "queue": queue})
                    if opts["json"] else f"adapter {task_id} queued on {queue}: task {task_id}"
                )
                return

            def on_step(step: int, loss: float) -> None:
                if not opts["json"]:
                    self.stdout.write(f"step {step}/{opts['steps']}  loss {loss:.5f}")

            adapter = model_adapter_train(
                vertical=opts["vertical"],
                workspace=workspace,
                steps=opts["steps"],
                out_dir=opts["out"],
                rank=opts["rank"],
                learning_rate=opts["learning_rate"],
                seed=opts["seed"],
                on_step=on_step,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        result = {
            "adapter": str(adapter.id),
            "state": adapter.state,
            "vertical": adapter.vertical,
            "workspace": workspace.slug if workspace else None,
            "pipeline": adapter.pipeline,
            "path": adapter.path,
            "rank": adapter.rank,
            "steps": adapter.steps,
            "final_loss": adapter.final_loss,
            "losses": adapter.losses,
            "dataset": adapter.dataset,
            "seconds": round(adapter.seconds or 0.0, 2),
        }
        if opts["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"adapter {adapter.id} ready: {adapter.path} (final loss {adapter.final_loss:.5f}, "
                f"{adapter.dataset['products']} products, {adapter.dataset['images']} photos, "
                f"{adapter.dataset['clips']} clips)"
            )
