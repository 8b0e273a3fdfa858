"""Honest claims: find the copy that ad platforms and advertising laws reject, per market.

Framework-free. ``check_script(script, product=..., market=...)`` reads every text a viewer
sees or hears (each scene's caption, voiceover and badge, and the call to action) and returns
``Finding``s: which rule, how serious (``block`` stops the render unless the user overrides it;
``warn`` is shown), where (scene id, field, character span), the offending text and a
suggested rewrite of the whole field. It works the same on builder output and on copy a user
typed, so an edit is checked as strictly as a template.

What the rules cover, and why per market:

- ``absolute_claim``: superlatives and rankings ("best", "#1", "最", "第一", "国家级"...). China's
  Advertising Law (art. 9) forbids them outright → block. In the US and EU they are puffery at
  best and an unsubstantiated ranking at worst (FTC Act s.5, UCPD) → warn.
- ``health_claim``: curing, treating or preventing illness, weight loss, "clinically proven".
  Medical claims for ordinary goods are refused by every platform and by the FTC, the EU
  (Reg. 1924/2006, cosmetics Reg. 655/2013) and China (art. 17) → block everywhere.
- ``guaranteed_result``: promised outcomes ("guaranteed results", "100% effective", "保证").
  Banned in China (art. 28) → block; elsewhere → warn (a money-back guarantee can be fine).
- ``sale_without_regular_price``: "sale", "% off", "特价"... while the page shows no regular
  price above the current one. A fictitious discount: EU Omnibus (prior price required) and
  China's price law → block; US (FTC Guides against deceptive pricing) → warn.
- ``price_mismatch``: an amount in the copy that is neither the page's price, its regular
  price nor the saving → block everywhere: the ad must say the page's price.
- ``rating_mismatch``: a rating ("4.9/5", "rated 4.9", "★ 4.9", "5点満点中4.9点") or a review
  count ("2,000 reviews") that is not the page's aggregateRating, or any rating when the page
  states none → block everywhere: invented social proof is a fake review (FTC 16 CFR 465,
  EU UCPD Annex I 23b, China's Anti-Unfair Competition Law art. 8).
"""

# ruff: noqa: RUF001 - full-width punctuation in the CJK patterns is deliberate

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from templates_engine.context import ProductFacts, format_number, format_price, product_facts
from templates_engine.languages import resolve_language
from templates_engine.textfit import clauses

MARKETS = ("CN", "US", "EU")
Severity = Literal["block", "warn"]
FIELDS = ("caption", "voiceover", "badge")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    scene: str  # a scene id, or "" for the script's call to action
    field: str  # caption / voiceover / badge / cta
    start: int
    end: int
    text: str  # the offending characters: field_text[start:end]
    message: str
    suggestion: str  # the whole field rewritten without the problem
    path: str = ""  # where in the script JSON: "scenes.2.caption", "cta"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What an override covers: the same rule on the same text in the same place."""
        return (self.rule, self.scene, self.field, self.text)


@dataclass(frozen=True)
class _Rule:
    id: str
    severity: dict[str, Severity]
    patterns: tuple[re.Pattern[str], ...]
    message: str
    rewrite: Callable[[str, str], str]  # (matched text, language) -> replacement


def _compile(*sources: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(s, re.IGNORECASE) for s in sources)


# --- absolute claims --------------------------------------------------------------------------

_W = r"(?<![\w#])"  # a word start that works for "#1" too
_E = r"(?!\w)"
_ABSOLUTE = _compile(
    # en
    _W + r"(?:best[- ]sell(?:ing|er)s?|best|#\s?1|no\.\s?1|number[- ]one|world'?s\s+(?:first|leading|finest)|"
    r"greatest|unbeatable|unrivall?ed|lowest\s+price)" + _E,
    # de
    _W + r"(?:beste[nrms]?|am\s+besten|nummer\s+(?:1|eins)|unschlagbar\w*|meistverkauft\w*|weltbeste\w*)" + _E,
    # fr
    _W + r"(?:(?:le|la|les)\s+meilleur(?:e|s|es)?|numéro\s+(?:un|1)|imbattable\w*|(?:le|la)\s+plus\s+vendue?)" + _E,
    # es / pt / it
    _W + r"(?:(?:el|la|los|las)\s+mejor(?:es)?|número\s+(?:uno|um|1)|más\s+vendid[oa]s?|inmejorable\w*)" + _E,
    _W + r"(?:(?:o|a|os|as)\s+melhor(?:es)?|mais\s+vendid[oa]s?|imbatível)" + _E,
    _W + r"(?:(?:il|la|i|le)\s+miglior[ei]|numero\s+(?:uno|1)|più\s+vendut[oaie]|imbattibile)" + _E,
    # zh-Hans / zh-Hant (characters, no word boundaries)
    r"最|第一(?![点點步个個次天章季眼时時])|国家级|國家級|世界级|世界級|顶级|頂級|唯一|首选|首選|冠军|冠軍|史上|全网|全網|极品|極品|万能|萬能|NO\.?\s?1",
    # ja / ko
    r"最高|最強|最安|日本一|世界一|一番|ナンバーワン|No\.\s?1|최고|최초|최강|1위|넘버원",
    # ar
    r"الأفضل|أفضل|المركز\s+الأول|رقم\s?(?:1|واحد)|الأكثر\s+مبيع[اًا]?",
)

# Softer words a merchant can use instead; the key is the lower-cased match.
_ABSOLUTE_SOFTER = {
    "best": "great", "#1": "a favourite", "# 1": "a favourite", "no.1": "a favourite",
    "no. 1": "a favourite", "number one": "a favourite", "number-one": "a favourite",
    "best-selling": "popular", "best selling": "popular", "best-seller": "favourite",
    "bestseller": "favourite", "greatest": "great", "unbeatable": "great",
    "lowest price": "great price",
    "最": "很", "第一": "热门", "国家级": "优质", "國家級": "優質", "顶级": "优质", "頂級": "優質",
    "世界级": "出色", "世界級": "出色", "唯一": "独特", "首选": "好选择", "首選": "好選擇",
    "冠军": "人气", "冠軍": "人氣", "极品": "优质", "極品": "優質",
    "最高": "とても良い", "最強": "頼れる", "一番": "人気", "최고": "좋은", "최강": "든든한",
    "beste": "tolle", "besten": "tollen", "bester": "toller", "bestes": "tolles",
    "le meilleur": "un excellent", "la meilleure": "une excellente",
    "el mejor": "un gran", "la mejor": "una gran", "o melhor": "um ótimo", "a melhor": "uma ótima",
    "il migliore": "un ottimo", "la migliore": "un'ottima",
    "الأفضل": "الرائع", "أفضل": "رائع",
}


def _soften(match: str, _language: str) -> str:
    return _ABSOLUTE_SOFTER.get(match.lower(), "")


# --- health and medical claims ------------------------------------------------------------------

_HEALTH = _compile(
    _W + r"(?:cures?|cured|curing|heals?|healing|treats?\s+(?:acne|eczema|pain|insomnia|anxiety|hair\s+loss)|"
    r"treatment\s+for|clinically\s+(?:proven|tested)|fda[- ]approved|medical[- ]grade|"
    r"boosts?\s+(?:your\s+)?immun\w*|anti[- ]?inflammatory|detox\w*|weight\s+loss|lose\s+weight|burns?\s+fat|"
    r"pain\s+relief|relieves?\s+pain|prevents?\s+(?:disease|cancer|illness|infection)s?|"
    r"cancer|diabetes|depression|covid\w*)" + _E,
    _W + r"(?:heilt|heilung|klinisch\s+(?:bewiesen|getestet)|gewichtsverlust|abnehmen|entzündungshemmend)" + _E,
    _W + r"(?:guérit|soigne|cliniquement\s+prouvée?|perte\s+de\s+poids|minceur|anti-?inflammatoire)" + _E,
    _W + r"(?:curar|cura\s+(?:el|la|los|las)|clínicamente\s+(?:probad[oa]|comprovad[oa])|adelgaza\w*|"
    r"pérdida\s+de\s+peso|emagrec\w*|perda\s+de\s+peso)" + _E,
    _W + r"(?:guarisce|clinicamente\s+(?:provat[oa]|testat[oa])|dimagr\w*|perdita\s+di\s+peso)" + _E,
    r"治疗|治療|治愈|治癒|疗效|療效|药用|藥用|防癌|抗癌|消炎|杀菌|殺菌|减肥|減肥|降血压|降血壓|降血糖|根治|包治|医疗级|醫療級|"
    r"治る|効能|医療用|痩せる|がんに|치료|완치|의학적|살이\s?빠|يعالج|علاج|شفاء|إنقاص\s+الوزن",
    # Body results a before/after must not promise: weight lost, wrinkles or spots gone.
    _W + r"(?:(?:lose|lost|drop|shed|verlier\w*|perdez|perdre|pierde\w*|perder|perca|perdi|perdere)\s+(?:up\s+to\s+)?"
    r"\d+(?:[.,]\d+)?\s?(?:kg|kilos?|lbs?|pounds|pfund|libras?|chili)|"
    r"\d+(?:[.,]\d+)?\s?(?:kg|kilos?|lbs?|pounds|pfund)\s+(?:abnehmen|verlieren|weniger|leichter|less|lighter|"
    r"en\s+moins|menos|a\s+menos|in\s+meno)|"
    r"(?:wrinkles?|fine\s+lines|dark\s+spots|cellulite|acne|pimples|stretch\s+marks)\s+(?:are\s+|will\s+be\s+)?"
    r"(?:gone|vanish\w*|disappear\w*|erased|removed|banished)|"
    r"(?:falten|rides|arrugas|rugas|rughe)\s+(?:\w+\s+)?(?:verschwinden|weg|disparaissent|effacées|desaparecen|somem|desaparecem|"
    r"spariscono|scompaiono))" + _E,
    r"\d+\s?(?:斤|公斤|キロ|kg)\s?(?:瘦|減|减|痩)|(?:瘦|減|减|痩せ)\w{0,2}\d+\s?(?:斤|公斤|キロ|kg)|去皱|去皺|祛皱|祛皺|"
    r"皱纹消失|皺紋消失|シワが消え|シワ消え|주름\s?(?:제거|삭제|사라)|\d+\s?kg\s?감량|(?:اخسر|تخسر|خسارة)\s+\d+\s?(?:كيلو|كغ)|"
    r"(?:إزالة|اختفاء|تختفي)\s+التجاعيد",
)


def _drop(_match: str, _language: str) -> str:
    return ""


# Cosmetic words that say what a product does without promising a health effect; the key is
# the lower-cased match. A claim with none is taken out with its clause (``_clause``).
_HEALTH_SOFTER = {
    "cure": "care", "heal": "soothe", "heals": "soothes", "healing": "soothing",
    "treatment for": "care for", "pain relief": "comfort", "anti-inflammatory": "soothing",
    "antiinflammatory": "soothing", "anti inflammatory": "soothing", "medical-grade": "high-quality",
    "medical grade": "high-quality", "detox": "refresh", "heilung": "Pflege",
    "entzündungshemmend": "beruhigend", "anti-inflammatoire": "apaisant", "antiinflammatoire": "apaisant",
}


def _soften_health(match: str, _language: str) -> str:
    return _HEALTH_SOFTER.get(" ".join(match.lower().split()), "")


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause (``textfit.clauses``: up to and with its mark) holding ``text[start:end]``,
    from the first clause it touches to the last. A claim taken out whole does not leave
    "It acne."."""
    left, right, pos = start, end, 0
    for piece in clauses(text):
        at = text.index(piece, pos)
        pos = at + len(piece)
        if at <= start < pos:
            left = at
        if at < end <= pos:
            right = pos
    return left, right


# --- guaranteed results -------------------------------------------------------------------------

_GUARANTEE = _compile(
    _W + r"(?:guaranteed?(?:\s+results?)?|100\s?%\s+(?:effective|results?|success)|risk[- ]free|"
    r"instant\s+results?|results\s+in\s+\d+\s+days|works\s+every\s+time|"
    # a result on a clock ("gone in 7 days", "transformed within 2 weeks")
    r"(?:gone|vanish(?:es|ed)?|disappears?|disappeared|transformed|fixed|solved|results?)\s+(?:in|within)\s+"
    r"(?:just\s+|only\s+)?\d+\s+(?:days?|weeks?|hours?|minutes?))" + _E,
    _W + r"(?:garantiert\w*|résultats?\s+garantis?|garanti[e]?|garantizad[oa]s?|garantid[oa]s?|garantit[oa])" + _E,
    r"保证|保證|100\s?%\s?有效|立竿见影|立竿見影|无效退款|無效退款|零风险|零風險|必ず|絶対に|보장|무조건|مضمون",
)


# --- sale wording without a real sale --------------------------------------------------------------

_SALE = _compile(
    _W + r"(?:on\s+sale|sale|\d+\s?%\s+off|discount\w*|clearance|price\s+drop|reduced|was\s+\S*\d)" + _E,
    _W + r"(?:rabatt\w*|reduziert|angebot|soldes|promo\w*|réduction|remise|rebaja\w*|oferta|descuento\w*|"
    r"desconto\w*|liquidação|sconto|saldi|offerta)" + _E,
    r"特价|特價|促销|促銷|打折|折扣|\d+\s?折|降价|降價|优惠价|優惠價|大减价|セール|割引|\d+\s?%\s?オフ|할인|세일|تخفيض|خصم|عرض\s+خاص",
)

RULES: tuple[_Rule, ...] = (
    _Rule(
        "absolute_claim",
        {"CN": "block", "US": "warn", "EU": "warn"},
        _ABSOLUTE,
        "an absolute or ranking claim ({text!r}) that the ad cannot prove",
        _soften,
    ),
    _Rule(
        "health_claim",
        {"CN": "block", "US": "block", "EU": "block"},
        _HEALTH,
        "a medical or health claim ({text!r}); ordinary products may not promise health effects",
        _soften_health,
    ),
    _Rule(
        "guaranteed_result",
        {"CN": "block", "US": "warn", "EU": "warn"},
        _GUARANTEE,
        "a guaranteed result ({text!r})",
        _drop,
    ),
)
_WHOLE_CLAUSE = frozenset({"health_claim", "guaranteed_result"})
_SALE_SEVERITY: dict[str, Severity] = {"CN": "block", "US": "warn", "EU": "block"}
_PRICE_SEVERITY: dict[str, Severity] = {"CN": "block", "US": "block", "EU": "block"}

# An amount of money: a currency sign or code next to a number (either side).
_CURRENCY = r"(?:US\$|HK\$|NT\$|CA\$|A\$|R\$|CN¥|[$€£¥￥₩₹]|(?:USD|EUR|GBP|JPY|CNY|RMB|CHF|KRW|BRL|SAR|AED)(?![A-Za-z])|元|円|원|ريال|درهم)"
_NUMBER = r"[0-9٠-٩](?:[0-9٠-٩.,٫٬'\u00a0\u202f ]*[0-9٠-٩])?"
_MONEY = re.compile(
    rf"(?P<pre>{_CURRENCY})\s?(?P<n1>{_NUMBER})|(?P<n2>{_NUMBER})\s?(?P<post>{_CURRENCY})"
)
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫٬", "0123456789.,")
_RATING_SEVERITY: dict[str, Severity] = {"CN": "block", "US": "block", "EU": "block"}

# --- ratings and review counts ----------------------------------------------------------------
# Read in order; a later pattern's match that overlaps an earlier one is ignored (so
# "5点満点中4.7点" is one rating of 4.7 out of 5, not a rating of 5).
_R = r"[0-9٠-٩]{1,3}(?:[.,٫][0-9٠-٩]{1,2})?"
_RD = r"[0-9٠-٩]{1,2}[.,٫][0-9٠-٩]{1,2}"  # with decimals: "4.7/5" is a rating, "3/5" may be a date
_OF = r"(?:out\s+of|von|sur|sobre|de|su|من)"
_RATING_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    rf"(?P<s>{_R})\s*(?:点満点中|점\s*만점에)\s*(?P<v>{_R})",
    r"(?:rated|rating|average|im\s+schnitt|moyenne|media|média|bewertung|bewertet\s+mit|note|notée?|valoración|calificación|nota|valutazione|"
    r"valutat[oa]|评分|評分|平均|評価は?|평점|평균(?:\s*평점)?|متوسط\s+التقييم|تقييم)"
    rf"\s*[:：]?\s*(?:de\s+|di\s+|of\s+)?(?P<v>{_R})(?:\s*(?:/|{_OF})\s*(?P<s>{_R})(?![0-9٠-٩]|[\s.,٫]+[0-9٠-٩]))?",
    rf"[★⭐]\s*(?P<v>{_R})(?:\s*/\s*(?P<s>{_R}))?",
    rf"(?<![0-9٠-٩.,٫/])(?P<v>{_RD})\s*/\s*(?P<s>{_R})(?![0-9٠-٩/])",
    r"(?<![0-9٠-٩.,٫/])(?P<v>5|10)\s*/\s*(?P<s>(?P=v))(?![0-9٠-٩/])",  # a perfect "5/5"
    rf"(?<![0-9٠-٩.,٫/])(?P<v>{_R})\s+{_OF}\s+(?P<s>{_R})(?![0-9٠-٩]|[.,٫\s\u00a0\u202f][0-9٠-٩])",
    rf"(?<![0-9٠-٩.,٫/])(?P<v>{_R})\s*(?:[★⭐]|stars?\b|sterne?\b|étoiles?|estrellas?|estrelas?|stelle\b|つ星)",
))
# Rating scales a number "out of" may be; anything else ("2 de 3 colores") is not a rating.
_RATING_SCALES = frozenset({Decimal(5), Decimal(10), Decimal(100)})
_COUNT = r"[0-9٠-٩]{1,3}(?:[,.\u00a0\u202f ٬][0-9٠-٩]{3})+|[0-9٠-٩]+"
_REVIEW_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    rf"(?P<c>{_COUNT})(?P<plus>\+)?\s*(?:reviews?|ratings?|bewertungen|rezensionen|avis|reseñas|opiniones|"
    r"valoraciones|avaliações|recensioni|条评价|條評價|則評價|件のレビュー|件の評価|개의?\s*리뷰|مراجعة|مراجعات|تقييمًا|تقييمات)(?!\w)",
    rf"(?:리뷰|후기|عدد\s+المراجعات|عدد\s+التقييمات)\s*[:：]?\s*(?P<c>{_COUNT})(?P<plus>\+)?",
))


def check_script(script: Any, *, product: dict[str, Any], market: str) -> list[Finding]:
    """Every finding in ``script`` (an ``AdScript`` or its JSON dict) for ``market``.

    ``product`` is the ``ExtractedProduct.to_json()`` shape the script was made from; its
    prices are the only ones the copy may state. Findings are ordered by where they occur.
    """
    market = normalise_market(market)
    data = script.model_dump(mode="json") if hasattr(script, "model_dump") else dict(script)
    language = str(data.get("language") or "en")
    facts = product_facts(product)
    findings: list[Finding] = []
    for i, scene in enumerate(data.get("scenes") or []):
        for field in FIELDS:
            text = str(scene.get(field) or "")
            if text:
                scene_id = str(scene.get("id", i))
                findings += _check(text, facts, market, language, scene_id, field, f"scenes.{i}.{field}")
    cta = str(data.get("cta") or "")
    if cta:
        findings += _check(cta, facts, market, language, "", "cta", "cta")
    return findings


def check_text(
    text: str, *, product: dict[str, Any], market: str, language: str = "en",
    scene: str = "", field: str = "caption", path: str = "",
) -> list[Finding]:
    """The findings in one piece of copy."""
    return _check(text, product_facts(product), normalise_market(market), language, scene, field, path)


# How often a text's combined rewrite is checked again (a rewrite that leaves or makes another
# problem is rewritten once more); two passes settle every case the rules know today.
_REWRITE_PASSES = 3

# One fix: replace text[start:end] with the new characters.
_Edit = tuple[int, int, str]


def _check(
    text: str, facts: ProductFacts, market: str, language: str, scene: str, field: str, path: str,
) -> list[Finding]:
    """The findings in ``text``, each suggesting the whole field with *every* finding on it fixed
    (a caption with an absolute claim and a health claim gets one rewrite that drops both, not
    two rewrites that each leave the other problem in)."""
    found = _findings_with_edits(text, facts, market, language, scene, field, path)
    if len(found) < 2:
        return [finding for finding, _ in found]
    suggestion = _apply(text, [edit for _, edit in found])
    for _ in range(_REWRITE_PASSES):
        again = _findings_with_edits(suggestion, facts, market, language, scene, field, path)
        if not again:
            break
        suggestion = _apply(suggestion, [edit for _, edit in again])
    return [dataclasses.replace(finding, suggestion=suggestion) for finding, _ in found]


def _findings_with_edits(
    text: str, facts: ProductFacts, market: str, language: str, scene: str, field: str, path: str,
) -> list[tuple[Finding, _Edit]]:
    """Each finding with the edit that fixes it alone (its ``suggestion`` is that edit applied)."""
    out: list[tuple[Finding, _Edit]] = []

    def add(rule: str, severity: Severity, start: int, end: int, message: str, edit: _Edit) -> None:
        out.append((Finding(rule, severity, scene, field, start, end, text[start:end], message,
                            _apply(text, [edit]), path), edit))

    for rule in RULES:
        severity = rule.severity.get(market)
        if severity is None:
            continue
        for start, end in _spans(rule.patterns, text):
            hit = text[start:end]
            new = rule.rewrite(hit, language)
            if hit[:1].isupper() and new[:1].islower():
                new = new[0].upper() + new[1:]  # "Heals dry skin" → "Soothes dry skin"
            # A promise with no softer word goes with its clause ("It cures acne." → "");
            # a ranking word with none ("unrivalled") leaves the sentence standing without it.
            cut = _clause(text, start, end) if not new and rule.id in _WHOLE_CLAUSE else (start, end)
            add(rule.id, severity, start, end, rule.message.format(text=hit), (*cut, new))
    if not facts.has_sale:
        for start, end in _spans(_SALE, text):
            hit = text[start:end]
            add("sale_without_regular_price", _SALE_SEVERITY[market], start, end,
                f"sale wording ({hit!r}) while the product page shows no regular price above the "
                "current price; add the regular price on the page or drop the wording", (start, end, ""))
    for rule, severity, start, end, message, edit in (
        _price_findings(text, facts, market, language) + _rating_findings(text, facts, market, language)
    ):
        add(rule, severity, start, end, message, edit)
    return sorted(out, key=lambda pair: (pair[0].start, pair[0].rule))


def _number(raw: str | None) -> Decimal | None:
    if not raw:
        return None
    try:
        return Decimal(raw.translate(_ARABIC_DIGITS).replace(",", "."))
    except InvalidOperation:
        return None


def _same_rating(stated: Decimal, page: Decimal) -> bool:
    """Equal, or the page's value rounded to the decimals the copy shows (4.75 → "4.8");
    a whole number must be exact, so 4.7 is never "5/5"."""
    if abs(stated - page) < Decimal("0.005"):
        return True
    places = -stated.as_tuple().exponent
    return isinstance(places, int) and places > 0 and page.quantize(
        Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP") == stated


# A finding before it is placed: (rule, severity, start, end, message, the edit that fixes it).
_Raw = tuple[str, Severity, int, int, str, _Edit]


def _rating_findings(text: str, facts, market: str, language: str) -> list[_Raw]:
    severity = _RATING_SEVERITY[market]
    locale = _locale(language)
    out: list[_Raw] = []
    taken: list[tuple[int, int]] = []
    for index, pattern in enumerate(_RATING_PATTERNS):
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            value, scale = _number(m.group("v")), _number(m.group("s"))
            if value is None:
                continue
            if scale is not None and (scale not in _RATING_SCALES | {facts.rating_scale} or value > scale):
                if index not in (1, 2):  # the prefixed and starred forms
                    continue  # "24/7", "2 de 3": not a rating
                scale = None  # "rated 4.9 of 1,284": the value is a rating, the rest is not its scale
            if scale is None and value > 10:
                continue  # "rated 18+", "note 20": not a rating of this product
            taken.append(m.span())
            if (facts.rating is not None and _same_rating(value, facts.rating)
                    and (scale is None or scale == facts.rating_scale)):
                continue
            hit = m.group()
            if facts.rating is None:
                message = (f"a rating ({hit!r}) while the product page states none; an ad may only "
                           "repeat the page's own rating")
                edit = (m.start(), m.end(), "")
            else:
                page = f"{format_number(facts.rating, locale)}/{format_number(facts.rating_scale, locale)}"
                message = f"the rating {hit!r} is not the page's rating ({page})"
                new = hit
                for group, real in (("s", facts.rating_scale), ("v", facts.rating)):
                    if m.group(group) is not None and (group == "v" or scale is not None):
                        a, b = m.start(group) - m.start(), m.end(group) - m.start()
                        new = new[:a] + format_number(real, locale) + new[b:]
                edit = (m.start(), m.end(), new)
            out.append(("rating_mismatch", severity, m.start(), m.end(), message, edit))
    for pattern in _REVIEW_PATTERNS:
        for m in pattern.finditer(text):
            count = parse_amount(m.group("c"))
            if count is None:
                continue
            real = facts.review_count if facts.rating is not None else None
            if real is not None and (count == real or (m.group("plus") and count <= real)):
                continue
            hit = m.group()
            if real is None:
                message = f"a review count ({hit!r}) while the product page states none"
                edit = (m.start(), m.end(), "")
            else:
                message = f"the review count {hit!r} is not the page's ({real})"
                a, b = m.start("c"), m.end("c")
                edit = (a, b + (1 if m.group("plus") else 0), format_number(Decimal(real), locale))
            out.append(("rating_mismatch", severity, m.start(), m.end(), message, edit))
    return out


def blocking(findings: Iterable[Finding | dict]) -> list[Finding]:
    return [f for f in (_as_finding(f) for f in findings) if f.severity == "block"]


def summary(findings: Iterable[Finding | dict]) -> str:
    """A plain sentence naming the findings, for a job's error or an editor's banner."""
    parts = []
    for f in (_as_finding(f) for f in findings):
        where = f"the {f.scene!r} scene's {f.field}" if f.scene else "the call to action"
        parts.append(f"{where}: {f.message}" + (f" (try: {f.suggestion!r})" if f.suggestion else ""))
    return "; ".join(parts)


def normalise_market(market: str) -> str:
    value = (market or "").strip().upper()
    if value not in MARKETS:
        raise ValueError(f"unknown market {market!r}; choose from {', '.join(MARKETS)}")
    return value


def _as_finding(f: Finding | dict) -> Finding:
    return f if isinstance(f, Finding) else Finding(**f)


def _spans(patterns: Iterable[re.Pattern[str]], text: str) -> list[tuple[int, int]]:
    """Match spans of all patterns, overlaps merged into the earliest, longest one."""
    spans = sorted({m.span() for p in patterns for m in p.finditer(text) if m.end() > m.start()},
                   key=lambda s: (s[0], -s[1]))
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and start < out[-1][1]:
            continue
        out.append((start, end))
    return out


def _apply(text: str, edits: Iterable[_Edit]) -> str:
    """``text`` with every edit made (from the end, so earlier spans keep their places; an edit
    overlapping one already made is left out), tidied: spaces collapsed, no dangling
    punctuation at either end."""
    out, limit = text, len(text) + 1
    for start, end, new in sorted(set(edits), key=lambda e: (e[0], e[1]), reverse=True):
        if end > limit:
            continue
        out = out[:start] + new + out[end:]
        limit = start
    return " ".join(out.split()).lstrip(" ,;:!.。，！").rstrip(" ,;:")


def _price_findings(text: str, facts, market: str, language: str) -> list[_Raw]:
    allowed = {p for p in (facts.price, facts.regular_price) if p is not None}
    if facts.has_sale:
        allowed.add(facts.regular_price - facts.price)
    out = []
    for m in _MONEY.finditer(text):
        amount = parse_amount(m.group("n1") or m.group("n2"))
        if amount is None or any(abs(amount - a) < Decimal("0.005") for a in allowed):
            continue
        hit = m.group().strip()
        start = m.start() + (len(m.group()) - len(m.group().lstrip()))
        page = _page_price(facts, language)
        message = (f"the price {hit!r} is not the page's price ({page})" if page
                   else f"the price {hit!r} is stated, and the product page shows no price")
        out.append(("price_mismatch", _PRICE_SEVERITY[market], start, start + len(hit), message,
                    (start, start + len(hit), page)))
    return out


def _page_price(facts, language: str) -> str:
    if facts.price is None:
        return ""
    locale = _locale(language)
    try:
        return format_price(facts.price, facts.currency, locale)
    except (ValueError, LookupError):
        return f"{facts.price} {facts.currency}"


def _locale(language: str) -> str:
    """The Babel locale that numbers and prices in ``language`` copy are written for."""
    try:
        return resolve_language(language, [language])[1]
    except LookupError:
        return "en_US"


def parse_amount(raw: str) -> Decimal | None:
    """A number as prices are written in any locale: "1,234.50", "1.234,50", "29,99", "1 299"."""
    s = raw.translate(_ARABIC_DIGITS)
    s = re.sub(r"[\s\u00a0\u202f']", "", s)
    if "," in s and "." in s:
        decimal_sep = "," if s.rfind(",") > s.rfind(".") else "."
        s = s.replace("." if decimal_sep == "," else ",", "").replace(decimal_sep, ".")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        head, _, tail = s.rpartition(sep)
        if s.count(sep) == 1 and len(tail) in (1, 2):
            s = head.replace(sep, "") + "." + tail
        else:
            s = s.replace(sep, "")
    try:
        return Decimal(s)
    except InvalidOperation:
        return None
