"""The ``local`` backend: a transformers sequence-to-sequence model from a local folder.

``SHOPREEL_TRANSLATION_MODEL_DIR`` is either

- one multilingual model (a ``save_pretrained`` folder with ``config.json``): M2M100 (target
  token ``__ja__``), NLLB-200 (``jpn_Jpan``) or a multi-target Marian model (``>>jpn<<``
  prefix); the target language must be one of its tokens; or
- a folder of one-pair models named ``<source>-<target>`` or ``opus-mt-<source>-<target>``
  (``en-de``, ``opus-mt-en-zh``), as the Helsinki-NLP Marian models are published.

Weights are only ever read from there (``local_files_only``): nothing is downloaded. Loaded
models are kept per process (``MODEL_CACHE`` of them), so a worker loads each once. Runs on
the worker that builds the script (CPU by default, ``SHOPREEL_TRANSLATION_DEVICE=cuda`` on a
GPU worker). Greedy decoding, so the same text gives the same translation. Framework-free.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

from products.translation.errors import TranslationNotConfigured, TranslationUnavailable
from products.translation.languages import ISO3, NLLB, base

MODEL_CACHE = 2
BATCH = 8
_lock = threading.Lock()


class LocalTranslator:
    """Translates with the model(s) in ``model_dir``. Figures are not masked (these models
    garble placeholders); the check after translation still applies."""

    placeholders = False

    def __init__(self, model_dir: str | Path, *, device: str = "cpu", max_new_tokens: int = 128):
        self.model_dir = Path(model_dir)
        if not self.model_dir.is_dir():
            raise TranslationNotConfigured(
                f"SHOPREEL_TRANSLATION=local, but SHOPREEL_TRANSLATION_MODEL_DIR ({model_dir}) is not a folder.",
                detail={"missing": "SHOPREEL_TRANSLATION_MODEL_DIR"},
            )
        self.device = device
        self.max_new_tokens = max_new_tokens

    @property
    def name(self) -> str:
        return f"local:{self.model_dir.name}"[:80]

    def translate(self, texts: list[str], *, source: str, target: str) -> list[str]:
        folder, multilingual = self._folder(source, target)
        tokenizer, model = _load(str(folder), self.device)
        setup = _target_setup(tokenizer, target) if multilingual else {"prefix": "", "generate": {}}
        if multilingual and setup is None:
            raise TranslationUnavailable(
                f"the local model in {folder} has no token for the language {target!r}"
            )
        assert setup is not None
        if hasattr(tokenizer, "src_lang") and source:
            code = NLLB.get(source) if NLLB.get(source) in tokenizer.get_vocab() else base(source)
            tokenizer.src_lang = code
        import torch

        out: list[str] = []
        for start in range(0, len(texts), BATCH):
            chunk = [setup["prefix"] + text for text in texts[start : start + BATCH]]
            with _lock, torch.inference_mode():
                encoded = tokenizer(
                    chunk, return_tensors="pt", padding=True, truncation=True, max_length=256
                )
                encoded = {k: v.to(self.device) for k, v in encoded.items()}
                ids = model.generate(
                    **encoded,
                    max_new_tokens=self.max_new_tokens,
                    num_beams=1,
                    do_sample=False,
                    **setup["generate"],
                )
            out += [
                " ".join(text.split())
                for text in tokenizer.batch_decode(ids, skip_special_tokens=True)
            ]
        return out

    def _folder(self, source: str, target: str) -> tuple[Path, bool]:
        if (self.model_dir / "config.json").is_file():
            return self.model_dir, True
        for src in dict.fromkeys(filter(None, [source.lower(), base(source)])):
            for tgt in dict.fromkeys([target.lower(), base(target)]):
                for name in (f"{src}-{tgt}", f"opus-mt-{src}-{tgt}"):
                    if (self.model_dir / name / "config.json").is_file():
                        return self.model_dir / name, False
        raise TranslationUnavailable(
            f"no local translation model for {source or 'the page language'} → {target} in {self.model_dir} "
            f"(expected {base(source) or '<source>'}-{base(target)}/ or one multilingual model)"
        )


def _target_setup(tokenizer: Any, target: str) -> dict | None:
    """How to ask a multilingual model for ``target``: a forced first token (M2M100, NLLB) or a
    text prefix (Marian multi-target); None when the model does not know the language."""
    vocab = tokenizer.get_vocab()
    for token in (NLLB.get(target), f"__{base(target)}__"):
        if token and token in vocab:
            return {"prefix": "", "generate": {"forced_bos_token_id": vocab[token]}}
    for token in (f">>{ISO3.get(target, '')}<<", f">>{base(target)}<<"):
        if token in vocab:
            return {"prefix": token + " ", "generate": {}}
    return None


@functools.lru_cache(maxsize=MODEL_CACHE)
def _load(folder: str, device: str) -> tuple[Any, Any]:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForSeq2SeqLM.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise TranslationNotConfigured(
            f"The translation model in {folder} could not be loaded: {exc}",
            detail={"missing": "SHOPREEL_TRANSLATION_MODEL_DIR"},
        ) from None
    model.to(device).eval()
    return tokenizer, model
