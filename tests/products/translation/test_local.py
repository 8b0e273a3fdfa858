"""The ``local`` backend's real loading and generation code, on a tiny random-weight M2M100
model built from a config and a word-level tokenizer built offline (no hub downloads)."""

from __future__ import annotations

from pathlib import Path

import pytest

from products.models import ProductTranslation
from products.services.translations import product_facts_localize
from products.translation.errors import TranslationNotConfigured
from products.translation.local import LocalTranslator
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

LANG_TOKENS = ["__en__", "__de__", "__ja__"]
WORDS = [
    "weich",
    "bequem",
    "locker",
    "passform",
    "baumwolle",
    "schultern",
    "relaxed",
    "fit",
    "with",
    "dropped",
    "shoulders",
    "organic",
    "cotton",
]


def save_tiny_m2m100(path: Path, *, seed: int = 0) -> Path:
    """A 1-layer M2M100 (d_model 16) and a WordLevel tokenizer whose vocabulary has no digits,
    so it can never write "180 gsm": the check must refuse what it makes of such a fact."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import M2M100Config, M2M100ForConditionalGeneration, PreTrainedTokenizerFast

    specials = ["<pad>", "</s>", "<unk>", "<s>"]
    vocab = {token: i for i, token in enumerate(specials + LANG_TOKENS + WORDS)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    backend.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", 1)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        bos_token="<s>",
        additional_special_tokens=LANG_TOKENS,
    )
    torch.manual_seed(seed)
    config = M2M100Config(
        vocab_size=len(vocab),
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=3,
        decoder_start_token_id=1,
    )
    M2M100ForConditionalGeneration(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return save_tiny_m2m100(tmp_path_factory.mktemp("m2m100-tiny"))


def test_the_model_is_loaded_from_its_folder_and_generates_in_the_target_language(model_dir):
    translator = LocalTranslator(model_dir, max_new_tokens=6)
    first = translator.translate(["relaxed fit", "organic cotton"], source="en", target="de")
    again = translator.translate(["relaxed fit", "organic cotton"], source="en", target="de")
    assert first == again  # greedy: the same text gives the same translation
    assert len(first) == 2
    for text in first:
        assert "__de__" not in text and "</s>" not in text
        assert set(text.split()) <= set(WORDS)
    assert translator.name == f"local:{model_dir.name}"


def test_through_the_service_a_fact_whose_figures_the_model_lost_keeps_the_page_words(
    model_dir, workspace, settings
):
    settings.SHOPREEL_TRANSLATION = "local"
    settings.SHOPREEL_TRANSLATION_MODEL_DIR = str(model_dir)
    tee = ProductFactory(
        workspace=workspace,
        brand="Northwind",
        language="en",
        features=["100% organic cotton, 180 gsm", "relaxed fit with dropped shoulders"],
    )
    product_data, state = product_facts_localize(product=tee, language="de")
    assert product_data["features"][0] == "100% organic cotton, 180 gsm"
    fact = next(f for f in state.facts if f.key == "features.0")
    assert not fact.translated and fact.warning  # refused: the tiny model cannot write "180 gsm"
    row = ProductTranslation.objects.get(product=tee, language="de", key="features.0")
    assert (
        row.status == ProductTranslation.Status.REFUSED and row.backend == f"local:{model_dir.name}"
    )
    other = ProductTranslation.objects.get(product=tee, language="de", key="features.1")
    assert other.backend == f"local:{model_dir.name}" and other.status in {"translated", "refused"}
    if other.status == "translated":  # whatever the random model made, it is what the ad says
        assert product_data["features"][1] == other.text


def test_a_language_the_model_has_no_token_for_is_not_translated(model_dir):
    from products.translation import engine

    outcomes = engine.translate_checked(
        LocalTranslator(model_dir), ["relaxed fit"], source="en", target="ar"
    )
    assert (
        outcomes[0].status == engine.FAILED
        and "no token for the language 'ar'" in outcomes[0].reason
    )


def test_a_folder_of_pair_models_is_read_by_language_pair(tmp_path, model_dir):
    import shutil

    shutil.copytree(model_dir, tmp_path / "opus-mt-en-de")
    translator = LocalTranslator(tmp_path, max_new_tokens=4)
    assert len(translator.translate(["relaxed fit"], source="en", target="de")) == 1
    from products.translation import engine

    outcomes = engine.translate_checked(translator, ["relaxed fit"], source="en", target="ja")
    assert (
        outcomes[0].status == engine.FAILED
        and "no local translation model for en → ja" in outcomes[0].reason
    )


def test_switched_on_without_a_model_folder_fails_loudly(workspace, settings, tmp_path):
    settings.SHOPREEL_TRANSLATION = "local"
    settings.SHOPREEL_TRANSLATION_MODEL_DIR = ""
    tee = ProductFactory(workspace=workspace, language="en", features=["relaxed fit"])
    with pytest.raises(TranslationNotConfigured, match="SHOPREEL_TRANSLATION_MODEL_DIR is not set"):
        product_facts_localize(product=tee, language="de")
    settings.SHOPREEL_TRANSLATION_MODEL_DIR = str(tmp_path / "absent")
    with pytest.raises(TranslationNotConfigured, match="is not a folder"):
        product_facts_localize(product=tee, language="de")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    settings.SHOPREEL_TRANSLATION_MODEL_DIR = str(tmp_path / "broken")
    with pytest.raises(TranslationNotConfigured, match="could not be loaded"):
        product_facts_localize(product=tee, language="de")
