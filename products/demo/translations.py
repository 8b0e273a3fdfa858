"""The demo shop's own translations of its products' features: MERCHANT EDITS, not machine output.

The demo runs offline with no LLM and no model weights, so nothing here was translated by a
Shopreel backend. These are the words a shop's staff would enter for their markets, and the
demo enters them exactly that way: through ``product_translation_edit`` (the service behind
``PUT /api/v1/products/{id}/translations/{language}/``), recorded with ``DEMO_EDITOR`` as who
edited. Each passes the same protected-token check as any edit (figures, units and names as
the page writes them). A language not listed here gets no edits, and its ads carry the
"untranslated" warning, as any shop's would with ``SHOPREEL_TRANSLATION=none``.

Keys are ``products.translation.facts`` keys. Titles are left as the page writes them (names).
"""

# ruff: noqa: RUF001 - full-width and Arabic punctuation here is deliberate

from __future__ import annotations

from products.models import Product
from products.services.translations import product_translation_edit

DEMO_EDITOR = "demo data: the demo shop's own translation (merchant edit)"

MERCHANT_TRANSLATIONS: dict[str, dict[str, dict[str, str]]] = {
    "aurora-organic-tee": {
        "zh-Hans": {
            "features.0": "100% 认证有机棉，180 gsm",
            "features.1": "宽松版型，落肩设计",
            "features.2": "预缩处理：多次洗涤不变形",
            "features.3": "罗纹圆领，无领标设计",
        },
        "ja": {
            "features.0": "認証オーガニックコットン100%、180 gsm",
            "features.1": "ドロップショルダーのゆったりシルエット",
            "features.2": "防縮加工で洗っても型崩れしにくい",
            "features.3": "リブ編みクルーネック、タグなし仕様",
        },
        "ar": {
            "features.0": "قطن عضوي معتمد 100%، بوزن 180 gsm",
            "features.1": "قصة مريحة بأكتاف منسدلة",
            "features.2": "مُعالج ضد الانكماش: يحافظ على شكله بعد كل غسلة",
            "features.3": "ياقة دائرية مضلعة بلا بطاقة",
        },
        "de": {
            "features.0": "100% zertifizierte Bio-Baumwolle, 180 gsm",
            "features.1": "Lockere Passform mit überschnittenen Schultern",
            "features.2": "Vorgeschrumpft: bleibt Wäsche für Wäsche in Form",
            "features.3": "Gerippter Rundhalsausschnitt, etikettenfrei",
        },
    },
    "lumen-hydrating-serum": {
        "zh-Hans": {
            "features.0": "透明质酸与维生素B5",
            "features.1": "轻盈质地，快速吸收",
            "features.2": "无香料，纯素配方",
            "features.3": "琥珀色玻璃瓶，附滴管",
        },
        "ja": {
            "features.0": "ヒアルロン酸とビタミンB5",
            "features.1": "軽やかで、すっとなじむテクスチャー",
            "features.2": "無香料・ヴィーガン処方",
            "features.3": "スポイト付きアンバーガラスボトル",
        },
        "ar": {
            "features.0": "حمض الهيالورونيك وفيتامين B5",
            "features.1": "قوام خفيف سريع الامتصاص",
            "features.2": "خالٍ من العطور ونباتي",
            "features.3": "زجاجة كهرمانية مع قطارة",
        },
        "de": {
            "features.0": "Hyaluronsäure und Vitamin B5",
            "features.1": "Leichte, schnell einziehende Textur",
            "features.2": "Parfümfrei und vegan",
            "features.3": "Braunglasflasche mit Pipette",
        },
    },
    "pulse-wireless-headphones": {
        "zh-Hans": {
            "features.0": "主动降噪",
            "features.1": "续航长达40小时",
            "features.2": "记忆海绵耳垫",
            "features.3": "USB-C快充：充电10分钟，聆听5小时",
            "features.4": "蓝牙5.3，支持多点连接",
        },
        "ja": {
            "features.0": "アクティブノイズキャンセリング",
            "features.1": "40時間まで使えるバッテリー",
            "features.2": "低反発イヤークッション",
            "features.3": "USB-C急速充電：10分の充電で5時間再生",
            "features.4": "Bluetooth 5.3、マルチポイント接続対応",
        },
        "ar": {
            "features.0": "إلغاء نشط للضوضاء",
            "features.1": "عمر بطارية يصل إلى 40 ساعة",
            "features.2": "وسائد أذن من إسفنج الذاكرة",
            "features.3": "شحن سريع عبر USB-C: 10 دقائق تكفي لـ 5 ساعات",
            "features.4": "بلوتوث 5.3 مع الاقتران متعدد النقاط",
        },
        "de": {
            "features.0": "Aktive Geräuschunterdrückung",
            "features.1": "Bis zu 40 Stunden Akkulaufzeit",
            "features.2": "Ohrpolster aus Memory-Schaum",
            "features.3": "USB-C-Schnellladen: 10 Minuten für 5 Stunden",
            "features.4": "Bluetooth 5.3 mit Multipoint-Kopplung",
        },
    },
    "terra-stoneware-mug": {
        "zh-Hans": {
            "features.0": "手工上釉炻器",
            "features.1": "容量350 ml",
            "features.2": "可用洗碗机和微波炉",
        },
        "ja": {
            "features.0": "手作業で釉薬をかけたストーンウェア",
            "features.1": "容量350 ml",
            "features.2": "食洗機・電子レンジ対応",
        },
        "ar": {
            "features.0": "فخار حجري مزجج يدويًا",
            "features.1": "تتسع لـ 350 ml",
            "features.2": "آمن في غسالة الأطباق والميكروويف",
        },
        "de": {
            "features.0": "Handglasiertes Steinzeug",
            "features.1": "Fasst 350 ml",
            "features.2": "Spülmaschinen- und mikrowellengeeignet",
        },
    },
}


def demo_translations_apply(*, product: Product, slug: str, language: str) -> int:
    """Enter the demo shop's own translations of ``slug`` in ``language`` on ``product`` as
    merchant edits; how many were entered (0 when the demo has none for that language)."""
    texts = MERCHANT_TRANSLATIONS.get(slug, {}).get(language, {})
    if texts:
        product_translation_edit(
            product=product, language=language, texts=dict(texts), by=DEMO_EDITOR
        )
    return len(texts)
