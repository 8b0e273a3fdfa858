"""Pick a product's vertical (apparel, beauty, ...) from the words a shop uses for it.

Why weighted keyword rules and not a model:

* Offline and light: this runs in the scrape task on web/CPU workers that carry no ML
  dependencies or weights, and it must work on a fresh machine.
* Deterministic: the same page always picks the same template family, so tests and support
  conversations can rely on it.
* Explainable and fixable: when a merchant says "my candle was filed under food", the fix is
  one keyword in a table a reviewer can read, not a retraining run.
* Good enough: shops already classify their products for us. Breadcrumbs are the shop's own
  category tree, so they weigh most; then the category field, the title, and the description
  (weak, because descriptions mention other things: "pairs well with jeans").

Keywords are matched as whole words (or word prefixes, marked with a trailing ``*``) in
lower case, in English plus German, French, Spanish, Italian, Portuguese, Chinese and
Japanese. Chinese and Japanese keywords are matched as substrings (no spaces between words).
"""

from __future__ import annotations

import re
from functools import lru_cache

SOURCE_WEIGHTS = {"breadcrumbs": 4.0, "category": 3.0, "title": 2.0, "description": 0.5}
MIN_SCORE = 1.0
# On equal scores the narrower vertical wins: "dog bed" is a pet product before a home one.
TIE_ORDER = ("pets", "toys", "jewellery", "beauty", "food", "sports", "electronics",
             "apparel", "home")

KEYWORDS: dict[str, tuple[str, ...]] = {
    "apparel": (
        # en
        "apparel", "clothing", "clothes", "dress*", "shirt*", "t-shirt*", "tee", "tees", "top",
        "tops", "blouse*", "jacket*", "coat*", "jean*", "trouser*", "pants", "shorts", "skirt*",
        "sweater*", "hoodie*", "sweatshirt*", "cardigan*", "legging*", "sock*", "underwear",
        "lingerie", "bra", "bras", "swimwear", "bikini*", "shoe*", "sneaker*", "boot*",
        "sandal*", "heels", "loafer*", "trainers", "footwear", "scarf", "scarves", "hat", "hats",
        "cap", "caps", "glove*", "belt", "belts", "handbag*", "bag", "bags", "backpack*",
        "fashion", "menswear", "womenswear", "pyjama*", "pajama*", "suit", "suits", "polo*",
        "vest", "outerwear", "denim", "knitwear", "tights",
        # de
        "bekleidung", "kleid*", "hemd*", "hose", "hosen", "jacke*", "mantel", "schuh*",
        "stiefel*", "pullover", "damenmode", "herrenmode", "mode", "tasche*", "rock",
        # fr
        "vêtement*", "robe*", "chemise*", "pantalon*", "veste*", "manteau*", "chaussure*",
        "jupe*", "pull", "sac", "sacs", "baskets",
        # es / pt
        "ropa", "vestido*", "camisa*", "camiseta*", "pantalón", "pantalones", "chaqueta*",
        "abrigo*", "zapato*", "zapatilla*", "falda*", "bolso*", "roupa*", "calça*", "sapato*",
        "tênis", "bolsa*", "moda",
        # it
        "abbigliamento", "abito", "abiti", "camicia", "camicie", "pantaloni", "giacca",
        "cappotto", "scarpe", "gonna", "borsa", "borse", "maglia*", "maglione",
        # zh / ja
        "服装", "衣服", "连衣裙", "衬衫", "外套", "裤", "鞋", "服", "ワンピース", "シャツ",
        "ジャケット", "パンツ", "靴", "スニーカー", "ファッション",
    ),
    "beauty": (
        "beauty", "cosmetic*", "makeup", "make-up", "skincare", "skin care", "serum*",
        "moisturi*", "cleanser*", "lipstick*", "mascara*", "foundation", "eyeshadow*",
        "eyeliner*", "nail polish", "perfume*", "fragrance*", "parfum*", "eau de", "cologne",
        "shampoo*", "conditioner*", "haircare", "hair care", "lotion*", "sunscreen*", "spf",
        "toner", "face mask", "lip balm", "concealer*", "blush",
        "kosmetik", "pflege", "hautpflege", "duft", "haarpflege",
        "cosmétique*", "maquillage", "soin*", "crème*", "beauté",
        "belleza", "maquillaje", "cosmético*", "crema*", "cuidado facial",
        "bellezza", "trucco", "profumo*", "cosmetici",
        "beleza", "maquiagem", "perfumaria",
        "化妆品", "护肤", "口红", "香水", "面膜", "コスメ", "化粧品", "スキンケア", "香水",
    ),
    "electronics": (
        "electronic*", "phone*", "smartphone*", "iphone*", "android", "laptop*", "notebook*",
        "computer*", "pc", "tablet*", "ipad*", "camera*", "headphone*", "earbud*", "earphone*",
        "speaker*", "bluetooth", "tv", "tvs", "television*", "monitor*", "charger*", "cable*",
        "usb", "hdmi", "keyboard*", "mouse", "router*", "printer*", "console*", "gaming",
        "smartwatch*", "drone*", "ssd", "hard drive", "memory card", "gpu", "graphics card",
        "processor*", "audio", "hifi", "projector*", "power bank", "battery", "batteries",
        "elektronik", "handy*", "kopfhörer", "fernseher", "lautsprecher", "kamera*",
        "électronique", "téléphone*", "ordinateur*", "écouteur*", "enceinte*", "appareil photo",
        "electrónica", "teléfono*", "móvil*", "ordenador*", "portátil*", "auricular*",
        "elettronica", "cellulare*", "cuffie", "televisore*", "eletrônico*", "celular*",
        "fone*", "电子", "手机", "电脑", "耳机", "相机", "充电", "家電", "スマホ", "イヤホン",
        "カメラ", "パソコン",
    ),
    "home": (
        "home", "furniture", "sofa*", "couch*", "chair*", "table", "tables", "desk*", "bed",
        "beds", "mattress*", "lamp*", "lighting", "rug*", "carpet*", "curtain*", "cushion*",
        "pillow*", "bedding", "duvet*", "sheet*", "towel*", "kitchen", "cookware", "pan",
        "pans", "pot", "pots", "knife", "knives", "mug*", "plate*", "bowl*", "vase*", "candle*",
        "decor", "décor", "storage", "shelf", "shelves", "wardrobe*", "garden*", "vacuum*",
        "appliance*", "blender*", "kettle*", "coffee maker", "tool", "tools", "drill*",
        "bathroom", "homeware", "housewares", "diy", "hardware", "patio", "outdoor furniture",
        "möbel", "wohnen", "küche", "lampe*", "teppich*", "garten", "werkzeug*", "haushalt*",
        "meuble*", "maison", "cuisine", "lampe", "tapis", "jardin", "outil*", "décoration",
        "muebles", "hogar", "cocina", "lámpara*", "jardín", "herramienta*", "casa", "mobili",
        "cucina", "arredamento", "giardino", "móveis", "cozinha", "decoração",
        "家具", "家居", "厨房", "灯", "インテリア", "家具", "キッチン", "収納",
    ),
    "food": (
        "food", "grocery", "groceries", "snack*", "chocolate*", "coffee", "tea", "teas",
        "wine*", "beer*", "spirits", "whisky", "whiskey", "gin", "vodka", "sauce*", "spice*",
        "organic", "candy", "sweets", "cookie*", "biscuit*", "cereal*", "pasta", "rice", "oil",
        "honey", "jam", "cheese*", "nut", "nuts", "beverage*", "drink*", "juice*", "protein",
        "supplement*", "vitamin*", "gourmet", "pantry", "bakery", "fruit*", "vegan",
        "lebensmittel", "kaffee", "tee", "wein", "bier", "schokolade", "getränk*",
        "épicerie", "café", "thé", "vin", "vins", "bière", "alimentation", "chocolat",
        "alimentación", "comida", "vino", "vinos", "cerveza", "alimentari", "cibo", "alimentos",
        "caffè", "caffe", "tè", "birra", "cioccolato", "bevanda*", "cerveja", "chá",
        "bebida*", "食品", "零食", "咖啡", "茶", "酒", "食品", "お菓子", "コーヒー", "お茶", "ワイン",
    ),
    "jewellery": (
        "jewellery", "jewelry", "jewel*", "ring", "rings", "necklace*", "bracelet*",
        "earring*", "pendant*", "brooch*", "watch", "watches", "gold", "silver", "diamond*",
        "sterling", "charm*", "anklet*", "cufflink*", "schmuck", "halskette*", "armband*",
        "ohrring*", "uhr", "uhren", "bijou*", "bijouterie", "collier*", "bague*",
        "boucles d'oreilles", "montre*", "joya*", "joyería", "collar*", "pulsera*",
        "pendiente*", "anillo*", "reloj*", "gioielli", "gioiello", "collana", "anello",
        "orecchini", "orologio*", "joia*", "colar", "anel", "brinco*", "relógio*",
        "珠宝", "首饰", "项链", "戒指", "手表", "ジュエリー", "ネックレス", "指輪", "腕時計",
    ),
    "sports": (
        "sport", "sports", "sporting", "fitness", "gym", "yoga", "running", "cycling", "bike*",
        "bicycle*", "football", "soccer", "basketball", "tennis", "golf", "camping", "hiking",
        "outdoor", "outdoors", "fishing", "ski", "skiing", "snowboard*", "swim", "swimming",
        "workout", "dumbbell*", "treadmill*", "racket*", "climbing", "athletic*",
        "sportartikel", "fahrrad", "fußball", "wandern", "angeln", "laufen",
        "vélo", "randonnée", "pêche", "deporte*", "deportivo*", "bicicleta*", "fútbol",
        "senderismo", "sportivo", "sportivi", "calcio", "ciclismo", "esporte*", "futebol",
        "运动", "健身", "体育", "自行车", "スポーツ", "アウトドア", "フィットネス",
    ),
    "toys": (
        "toy", "toys", "game", "games", "puzzle*", "lego", "doll*", "plush", "stuffed animal*",
        "action figure*", "board game*", "kids", "baby", "babies", "toddler*", "children*",
        "nursery", "stroller*", "spielzeug", "spiel", "spiele", "puppe*", "kinder*",
        "jouet*", "jeu", "jeux", "poupée*", "enfant*", "bébé", "juguete*", "juego*", "muñeca*",
        "niño*", "bebé", "giocattol*", "gioco", "giochi", "bambol*", "bambini", "brinquedo*",
        "jogo*", "boneca*", "criança*", "玩具", "积木", "娃娃", "おもちゃ", "玩具", "ぬいぐるみ",
    ),
    "pets": (
        "pet", "pets", "dog", "dogs", "cat", "cats", "puppy", "kitten*", "leash*", "collar",
        "kibble", "aquarium*", "litter", "bird seed", "pet food", "dog food", "cat food",
        "haustier*", "hund*", "katze*", "tierbedarf", "animaux", "chien*", "chat", "chats",
        "animalerie", "mascota*", "perro*", "gato*", "animali", "cane", "cani", "gatto", "gatti",
        "animais", "cachorro*", "宠物", "狗", "猫", "ペット", "犬", "猫",
    ),
}

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, list[re.Pattern[str]]]:
    compiled: dict[str, list[re.Pattern[str]]] = {}
    for vertical, words in KEYWORDS.items():
        latin = [w for w in words if not _CJK.search(w)]
        cjk = [w for w in words if _CJK.search(w)]
        parts = [
            re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in latin
        ]
        patterns = [re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")]
        if cjk:
            patterns.append(re.compile("|".join(re.escape(w) for w in cjk)))
        compiled[vertical] = patterns
    return compiled


def vertical_scores(
    *, title: str, breadcrumbs: tuple[str, ...] = (), category: str = "", description: str = ""
) -> dict[str, float]:
    """Score of each vertical; exposed so a reviewer can see why one was chosen."""
    texts = {
        "breadcrumbs": " / ".join(breadcrumbs[1:] if len(breadcrumbs) > 2 else breadcrumbs),
        "category": category,
        "title": title,
        "description": description[:1000],
    }
    scores = dict.fromkeys(KEYWORDS, 0.0)
    for source, text in texts.items():
        text = text.lower()
        if not text:
            continue
        weight = SOURCE_WEIGHTS[source]
        for vertical, patterns in _patterns().items():
            hits = sum(len(p.findall(text)) for p in patterns)
            if hits:
                scores[vertical] += weight * min(hits, 3)
    return scores


def classify_vertical(
    *, title: str, breadcrumbs: tuple[str, ...] = (), category: str = "", description: str = ""
) -> str:
    """One of ``types.VERTICALS``; ``"other"`` when nothing scores at least ``MIN_SCORE``."""
    scores = vertical_scores(
        title=title, breadcrumbs=tuple(breadcrumbs), category=category, description=description
    )
    best = max(TIE_ORDER, key=lambda v: scores[v])  # ties go to the more specific vertical
    return best if scores[best] >= MIN_SCORE else "other"
