"""Is copy grounded in the product's facts? The checks run on copy a model wrote.

Framework-free. ``ungrounded(text, facts=..., context=..., known=...)`` lists, in plain words,
what a piece of copy states that the page does not:

- **prices**: an amount of money must be written exactly as the ad writes the page's price,
  regular price or saving for the market ("$149.99", "149,99 $", "\u200f149.99 US$"); "$150",
  "149.99 USD" or a price on a page that shows none is refused;
- **numbers**: every other number (digits in any script, full-width or Arabic-Indic) must
  equal, after normalisation ("1.284" = "1,284" = 1284, "4,7" = 4.7), a number of the facts:
  the rating, its scale, the review count, the discount, or a number in the title, the brand,
  a feature or the template's own lines ("3 reasons"); a percentage must be the discount or a
  percentage the facts state ("100% cotton");
- **features and claims**: a closed list of attributes a model tends to add (materials,
  certifications, "-free"/"-proof" claims, connectivity, care, shipping, returns, warranty,
  urgency), each a concept with its words in the copy languages: a concept the copy names must
  be named by the facts too, in any language (a German fact "kabellos" grounds "wireless");
  and any English "<word>-free/-proof/-safe/-resistant" compound needs its first word in the
  facts.

Why a closed list for features rather than a content-word overlap: ad copy is mostly words no
page states ("meet", "everyday", "upgrade"), so an open-vocabulary check refuses nearly every
good line; what a model invents that misleads a buyer is a checkable attribute ("waterproof",
"free shipping", "2-year warranty"), and the list names it in the reason. Numbers written as
words ("forty hours", "四十") are not read: the prompt asks for digits, and the list catches
the attributes such numbers come with.
"""

# ruff: noqa: RUF001 - full-width characters in the patterns are deliberate

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from templates_engine.compliance import parse_amount
from templates_engine.context import ProductFacts

# Marks that Babel puts around numbers and prices in right-to-left locales.
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u2066\u2067\u2068\u2069"))
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬", "01234567890123456789.,")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?P<pct>\s?(?:%|percent\b|per cent\b|prozent\b|pour cent\b|por ciento\b|por cento\b|per cento\b))?", re.I)
_SYMBOLS = "".join(
    chr(c) for c in range(0x20, 0x3000) if unicodedata.category(chr(c)) == "Sc"
) + "￥￦"
_CURRENCY = (
    rf"(?:[{re.escape(_SYMBOLS)}]|(?<![A-Za-z])(?:USD|EUR|GBP|JPY|CNY|RMB|CHF|KRW|BRL|SAR|AED|CAD|AUD|HKD|TWD|MXN)(?![A-Za-z])"
    r"|元|円|원|ريال|درهم|dollars?|euros?|yen)"
)
_AMOUNT = r"(?:\d{1,3}(?:[ .,']\d{3})+|\d+)(?:[.,]\d{1,2})?"
_MONEY = re.compile(rf"{_CURRENCY}\s?{_AMOUNT}|{_AMOUNT}\s?{_CURRENCY}", re.I)

# Attributes a model tends to invent. Each concept: its words (regexes on lower-cased text
# with hyphens as spaces) in the copy languages; Latin words match whole.
CLAIM_CONCEPTS: dict[str, tuple[str, ...]] = {
    "waterproof": (r"water ?proof", r"water resistant", r"wasserdicht", r"wasserfest", r"imperméable", r"impermeable", r"impermeabile", r"à prova d ?água", r"防水", r"방수", r"مقاوم للماء"),
    "wireless": (r"wireless", r"cordless", r"kabellos", r"sans fil", r"inalámbric[oa]s?", r"sem fio", r"senza fili", r"ワイヤレス", r"无线", r"無線", r"무선", r"لاسلكي"),
    "bluetooth": (r"bluetooth", r"ブルートゥース", r"蓝牙", r"藍牙", r"블루투스", r"بلوتوث"),
    "noise cancelling": (r"noise cancell?ing", r"anc", r"geräuschunterdrückung", r"réduction de bruit", r"cancelación de ruido", r"cancelamento de ruído", r"cancellazione del rumore", r"ノイズキャンセリング", r"降噪", r"노이즈 캔슬링", r"إلغاء الضوضاء"),
    "fast charging": (r"fast charg\w*", r"quick charg\w*", r"schnelllad\w*", r"charge rapide", r"carga rápida", r"ricarica rapida", r"急速充電", r"快充", r"고속 충전", r"شحن سريع"),
    "battery": (r"batter(?:y|ies)", r"akku\w*", r"batterie", r"batería", r"bateria", r"バッテリー", r"电池", r"電池", r"续航", r"배터리", r"بطارية"),
    "organic": (r"organic", r"bio", r"biologisch", r"orgánic[oa]s?", r"orgânic[oa]s?", r"biologic[oa]", r"オーガニック", r"有机", r"有機", r"유기농", r"عضوي"),
    "cotton": (r"cotton", r"baumwolle", r"coton", r"algodón", r"algodão", r"cotone", r"コットン", r"綿", r"棉", r"코튼", r"면 소재", r"قطن"),
    "leather": (r"leather", r"leder", r"cuir", r"cuero", r"couro", r"pelle", r"レザー", r"本革", r"真皮", r"皮革", r"가죽", r"جلد طبيعي"),
    "wool": (r"wool", r"merino", r"cashmere", r"wolle", r"laine", r"lana", r"lã", r"ウール", r"羊毛", r"울 소재", r"양모", r"صوف"),
    "silk": (r"silk", r"seide", r"soie", r"seda", r"seta", r"シルク", r"真丝", r"真絲", r"蚕丝", r"蠶絲", r"실크", r"حرير"),
    "stainless steel": (r"stainless", r"edelstahl", r"acier inoxydable", r"acero inoxidable", r"aço inoxidável", r"acciaio inox\w*", r"ステンレス", r"不锈钢", r"不鏽鋼", r"스테인리스", r"ستانلس"),
    "gold": (r"gold", r"oro", r"ouro", r"ゴールド", r"黄金", r"金色", r"골드", r"ذهب"),
    "silver": (r"silver", r"sterling", r"silber", r"argent", r"plata", r"prata", r"argento", r"シルバー", r"纯银", r"純銀", r"银色", r"銀色", r"실버", r"فضة"),
    "recycled": (r"recycled", r"recycelt\w*", r"recyclé\w*", r"reciclad[oa]s?", r"riciclat[oa]", r"リサイクル", r"再生材", r"再生素材", r"回收", r"재활용", r"معاد تدويره"),
    "eco": (r"eco friendly", r"sustainabl[ey]", r"biodegradable", r"compostable", r"nachhaltig\w*", r"sostenible", r"sustentável", r"sostenibile", r"エコ", r"环保", r"環保", r"친환경", r"صديق للبيئة"),
    "vegan": (r"vegan\w*", r"végan\w*", r"ビーガン", r"纯素", r"純素", r"비건", r"نباتي"),
    "natural": (r"all natural", r"100 natural", r"natural ingredients", r"natürliche inhaltsstoffe", r"ingrédients naturels", r"ingredientes naturales", r"ingredienti naturali", r"天然", r"천연", r"طبيعي 100"),
    "handmade": (r"hand ?made", r"handcrafted", r"handgemacht", r"fait main", r"hecho a mano", r"feito à mão", r"fatto a mano", r"ハンドメイド", r"手作り", r"手工", r"수제", r"يدوي"),
    "hypoallergenic": (r"hypoallergenic", r"hypoallergen", r"hypoallergénique", r"hipoalergénic[oa]", r"低刺激", r"低敏", r"저자극", r"مضاد للحساسية"),
    "dermatologist": (r"dermatolog\w*", r"皮肤科", r"皮膚科", r"피부과", r"أطباء الجلد"),
    "fragrance free": (r"fragrance free", r"unscented", r"parfümfrei", r"sans parfum", r"sin perfume", r"sem perfume", r"senza profumo", r"無香料", r"无香", r"無香", r"무향", r"خال من العطور"),
    "spf": (r"spf", r"sunscreen", r"uv protection", r"lichtschutz\w*", r"日焼け止め", r"防晒", r"防曬", r"자외선"),
    "gluten free": (r"gluten free", r"glutenfrei", r"sans gluten", r"sin gluten", r"sem glúten", r"senza glutine", r"グルテンフリー", r"无麸质", r"無麩質", r"글루텐 프리", r"خال من الغلوتين"),
    "sugar free": (r"sugar free", r"zuckerfrei", r"sans sucre", r"sin azúcar", r"sem açúcar", r"senza zucchero", r"シュガーフリー", r"无糖", r"無糖", r"무설탕", r"خال من السكر"),
    "dishwasher safe": (r"dishwasher", r"spülmaschine\w*", r"lave vaisselle", r"lavavajillas", r"lava louças", r"lavastoviglie", r"食洗機", r"洗碗机", r"洗碗機", r"식기세척기", r"غسالة الصحون"),
    "microwave safe": (r"microwave", r"mikrowelle\w*", r"micro ondes", r"microondas", r"micro ondas", r"microonde", r"電子レンジ", r"微波炉", r"微波爐", r"전자레인지", r"الميكروويف"),
    "machine washable": (r"machine washable", r"waschmaschine\w*", r"lavable en machine", r"lavable a máquina", r"洗濯機", r"机洗", r"機洗", r"세탁기"),
    "free shipping": (r"free (?:shipping|delivery)", r"ships? free", r"kostenlose[rn]? (?:versand|lieferung)", r"versandkostenfrei", r"livraison gratuite", r"envío gratis", r"frete grátis", r"spedizione gratuita", r"送料無料", r"包邮", r"免运费", r"免運費", r"무료 배송", r"شحن مجاني"),
    "returns": (r"returns?", r"refund\w*", r"money back", r"rückgabe\w*", r"retour\w*", r"devoluci\w+", r"devolu\w+", r"返品", r"退货", r"退貨", r"반품", r"إرجاع"),
    "warranty": (r"warrant(?:y|ies)", r"guarantee\w*", r"garantie", r"garantía", r"garantia", r"garanzia", r"保証", r"保修", r"保固", r"보증", r"ضمان"),
    "limited": (r"limited (?:edition|stock|time|offer)", r"selling fast", r"almost gone", r"last chance", r"today only", r"ends (?:soon|today|tonight)", r"while stocks? lasts?", r"nur heute", r"begrenzt\w*", r"édition limitée", r"stock limité", r"edición limitada", r"edição limitada", r"edizione limitata", r"限定", r"限量", r"限时", r"限時", r"한정", r"محدود"),
    "patented": (r"patent\w*", r"brevet\w*", r"特許", r"专利", r"專利", r"특허", r"براءة"),
    "award": (r"award\w*", r"auszeichnung\w*", r"prämiert", r"primé\w*", r"premiad[oa]s?", r"premiat[oa]", r"受賞", r"获奖", r"得獎", r"수상", r"جائزة"),
    "certified": (r"certified", r"certification", r"zertifiziert\w*", r"certifié\w*", r"certificad[oa]s?", r"certificat[oa]", r"認証", r"认证", r"認證", r"인증", r"معتمد"),
    "made in": (r"made in", r"hergestellt in", r"fabriqué en", r"hecho en", r"fabricado en", r"feito n[oa]", r"prodotto in", r"صنع في"),
}
# English "<word>-free/-proof/..." claims; the first word must be in the facts ("tag-free").
_COMPOUND = re.compile(r"(?<![\w-])([a-z]+)-(free|proof|safe|resistant|tested|approved)(?![\w-])")
_SOFT_COMPOUNDS = frozenset({"hassle", "worry", "stress", "care", "fuss", "mess", "risk", "fail"})
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af\u0600-\u06ff]")


def normalise(text: str) -> str:
    """Compatibility forms (full-width digits, no-break spaces), Eastern Arabic digits as ASCII,
    no direction marks."""
    return unicodedata.normalize("NFKC", text).translate(_BIDI).translate(_DIGITS)


def _concept_pattern(term: str) -> re.Pattern[str]:
    if _CJK.search(term):
        return re.compile(term)
    return re.compile(rf"(?<![\w]){term}(?![\w])")


_CONCEPT_PATTERNS = {
    name: tuple(_concept_pattern(term) for term in terms) for name, terms in CLAIM_CONCEPTS.items()
}


def _claim_text(text: str) -> str:
    return " ".join(normalise(text).lower().replace("-", " ").replace("_", " ").split())


def named_concepts(text: str) -> set[str]:
    """The attribute concepts ``text`` names (``CLAIM_CONCEPTS`` keys)."""
    flat = _claim_text(text)
    return {name for name, patterns in _CONCEPT_PATTERNS.items() if any(p.search(flat) for p in patterns)}


def fact_texts(facts: ProductFacts, product: dict[str, Any]) -> list[str]:
    """The page's own words the copy may draw on: title, brand, features, description."""
    return [facts.title, facts.brand, *facts.features, str(product.get("description") or "")]


def _numbers(text: str) -> list[tuple[str, Decimal, bool]]:
    """Each number in ``text`` (normalised): (as written, its value, whether a percentage)."""
    out = []
    for m in _NUMBER.finditer(text):
        end = m.start("pct") if m.group("pct") else m.end()
        value = parse_amount(text[m.start() : end])
        if value is not None:
            out.append((m.group().strip(), value.normalize(), bool(m.group("pct"))))
    return out


def fact_numbers(texts: Iterable[str], context: dict[str, Any]) -> tuple[set[Decimal], set[Decimal]]:
    """(every number the facts state, the percentages they state). ``context`` is the copy
    context (``context.copy_context``): its rating, scale, review count and discount count."""
    numbers: set[Decimal] = set()
    percents: set[Decimal] = set()
    for text in texts:
        for _, value, percent in _numbers(normalise(text)):
            numbers.add(value)
            if percent:
                percents.add(value)
    for key in ("rating", "rating_scale", "review_count"):
        if context.get(key) not in (None, ""):
            numbers |= {value for _, value, _ in _numbers(normalise(str(context[key])))}
    if context.get("discount_percent") is not None:
        discount = Decimal(int(context["discount_percent"])).normalize()
        numbers.add(discount)
        percents.add(discount)
    return numbers, percents


def page_prices(context: dict[str, Any]) -> list[str]:
    """The prices the ad may state, as the ad writes them for its market, longest first."""
    prices = [normalise(str(context[k])) for k in ("regular_price", "price", "savings") if context.get(k)]
    return sorted(set(prices), key=len, reverse=True)


def ungrounded(
    text: str,
    *,
    facts_text: list[str],
    numbers: set[Decimal],
    percents: set[Decimal],
    prices: list[str],
) -> list[str]:
    """What ``text`` states that the facts do not, one plain sentence each ([] when grounded)."""
    problems: list[str] = []
    rest = normalise(text)
    for price in prices:
        rest = rest.replace(price, " ")
    for m in _MONEY.finditer(rest):
        written = m.group().strip()
        rest = rest[: m.start()] + " " * len(m.group()) + rest[m.end() :]  # said once, as a price
        if prices:
            problems.append(
                f"states a price written as {written!r}; the page's prices are written {' / '.join(prices)}"
            )
        else:
            problems.append(f"states a price ({written!r}) and the page shows none")
    for written, value, percent in _numbers(rest):
        if percent and value not in percents:
            problems.append(f"states {written!r}, a percentage the page does not state")
        elif not percent and value not in numbers:
            problems.append(f"states the number {written!r}, which is not in the product's facts")
    facts_flat = _claim_text(" ".join(facts_text))
    for concept in sorted(named_concepts(text) - named_concepts(" ".join(facts_text))):
        problems.append(f"claims {concept!r}, which the product's facts do not state")
    for m in _COMPOUND.finditer(normalise(text).lower()):
        word = m.group(1)
        if word not in _SOFT_COMPOUNDS and not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", facts_flat):
            problems.append(f"claims {m.group()!r}, which the product's facts do not state")
    return list(dict.fromkeys(problems))
