"""Ad templates and the script builder: product facts + a template -> an ``AdScript``, checked.

Framework-free but for ``apps.py`` and the two commands in ``management/``.

Templates
---------
34 YAML files, ``library/<vertical>/<structure>.yaml``, for apparel, beauty, electronics, home,
food, jewellery, sports, toys, pets and a generic fallback, validated on load (a bad file names
the file and the field); every vertical has at least three structures:

- feature showcase (every vertical but apparel);
- problem -> solution (beauty, home, sports, pets);
- offer and urgency (apparel, food, generic);
- lookbook (apparel; jewellery styling);
- three reasons (electronics, pets, sports, toys);
- gift idea (jewellery); unboxing (generic, electronics, toys);
- how-to / demo (home; food as a serving idea);
- social proof (beauty, electronics, generic);
- before/after (home, apparel, electronics): two scenes, the situation before and the same
  situation with the product, promising no result, amount or time frame; there is deliberately
  none for beauty or health, where before -> after implies a result.

Food and pets copy makes no health claim, sports copy no performance claim, toys copy no
learning claim: the fixed lines frame, the page's features sell. Every template is written in
all 11 copy languages (``languages.LANGUAGES``: en, zh-Hans, zh-Hant, ja, ko, de, fr, es, pt,
it, ar; Arabic right to left), each language's fixed lines written for its readers rather than
translated; regional tags resolve to a copy language and a Babel locale for prices (``es-MX``;
``zh-TW`` -> zh-Hant; ``pt`` -> pt_BR). Copy is rendered by an immutable sandboxed Jinja that
sees product data only (``sandbox.py``).

Social proof cites only the rating the page states (``rating``, ``rating_scale``,
``review_count``, formatted per locale with Babel: "4.7/5 from 1,284 reviews", "4,7/5 aus
1.284 Bewertungen"). Such a template declares ``needs: {rating: true}`` (one whose copy names the
rating without it fails to load): the picker skips it and the builder refuses it with a plain
``ScriptError`` when the page shows no rating; the scene stating the review count is left out
(and noted) when the page gives none or fewer than 2. The picker prefers social proof when the
rating is strong (at least 4/5 of its scale from 20 reviews or more; a sale still wins) and
ranks it last when weak.

Building a script
-----------------
``library.pick_template`` chooses by vertical and what the product has (a sale price, several
photos, a rating) and says why. ``builder.build_script`` makes an ``AdScript`` whose scene
durations are whole frames summing to the length, captions wrapped to the caption box (42 Latin
/ 16 CJK characters a line, 2 lines), voice-overs shortened at clause boundaries to a natural
speaking rate per language (a shorter line keeps any price it states: "Was $32, now $24", never
"Was $32."), prices formatted with Babel, features taken only from the page. Scene lengths are
fitted to the lines: the shares are moved towards scenes whose line needs more time (first so
every line's shortest version fits, a price line before the others, then the whole lines;
``timing.fit_to_needs``). A fact (rating, review count, price, regular price, saving, discount)
is said at most once across the voice-overs (a later line drops the clause repeating it) and
shown at most twice as text (a badge repeating it a third time is left off). Hooks lead with a
benefit, a question or the offer: the social-proof hooks ask "Worth it?" before the rating
(a test keeps the rating out of every hook's first clause).
What the builder changed (a dropped price scene, a shortened line) is listed in
``AdScript.notes``. Its options (``platform``, ``tone`` and ``cta`` are also job options):

- ``variant`` k: another hook and another order of the middle scenes (hook first, offer/end
  card last; ``builder.variants(count=N, ...)``, deterministic per seed);
- ``platform``: tiktok, reels, shorts -> hard cuts throughout; youtube, facebook, instagram keep
  the template's transitions;
- ``tone`` (friendly, energetic, premium, playful): copy variants tagged ``tone:`` where a
  template has them (today the generic showcase's hooks in en, zh-Hans and es), untagged
  variants otherwise, which is also what no tone gets;
- ``cta``: None = the language's default, "" = no end card.

The script records its variant, platform and tone.

Honest claims (compliance.py)
-----------------------------
``check_script(script, *, product, market)`` reads every caption, voice-over, badge and the call
to action and returns ``Finding``s (rule, severity ``block``/``warn``, scene id, field,
character span, the text, a message, a suggested rewrite of the field, and the JSON path such
as ``scenes.2.caption``). The rules and their severity per market (CN / US / EU; the module
says why):

- ``absolute_claim`` (best, #1, number one, best-selling, 最, 第一 but not the ordinal 第一點,
  国家级, 顶级, 最高, 최고, beste, le meilleur, la mejor...): block / warn / warn;
- ``health_claim`` (cures, treats acne, clinically proven, weight loss, lose 5 kg, wrinkles
  gone, 治疗, 减肥, 瘦10斤, 치료...): block everywhere;
- ``guaranteed_result`` (guaranteed results, 100% effective, risk-free, gone in 7 days, 保证,
  garantiert...): block / warn / warn;
- ``sale_without_regular_price`` (sale, 20% off, 特价, 打折, soldes... while the page shows no
  regular price above the price): block / warn / block;
- ``price_mismatch`` (an amount with a currency that is not the page's price, regular price or
  saving, in any locale's digits and separators): block everywhere;
- ``rating_mismatch`` (a rating such as "4.9/5", "rated 4.9 out of 5", "★ 4.9", "5点満点中4.9点",
  "评分 4.9", or a review count such as "2,000 reviews", "2,000 条评价", that is not the page's
  ``aggregateRating``, rounding to the copy's decimals allowed and "1,000+ reviews" allowed
  below the real count; or any when the page states none): block everywhere.

How generation uses it: job options ``market`` (default US) and ``override_compliance`` (False,
True, or the name of who decided). ``generation.ads.ad_create`` stores ``Ad.market`` and
``Ad.compliance`` (the findings); with blocking findings and no override the Ad is stored
without shots and ``job_build_script`` fails the job with ``compliance_blocked`` and a message
naming each finding and its suggested rewrite: nothing is made or rendered. With an override
the Ad records ``compliance_override = {by, at, job, findings}`` (exactly the findings let
through). ``generation.ads.ad_script_update(*, ad, script, override_compliance=False)``
validates a whole edited script (the AdScript schema, same length and language, ``image_index``
within the product's photos, captions within two lines, badges within one, voice-overs sayable
within their scene, the claims again); errors come back together as ``InvalidInput`` with
``detail`` keyed by field path and nothing changes. Blocking findings are errors unless
overridden; warnings are stored. Shots whose picture changes (photo, shot type, camera move,
duration) are made again; the others are kept, reindexed to the new scene order.

Model-written copy (copywriter.py, grounding.py)
------------------------------------------------
Optional (``SHOPREEL_COPYWRITER=llm``, glue in ``generation.copywriting``): a model rewrites
the hook and each scene's caption and voice-over within the built script (same scenes, roles,
durations; the end card stays), from the facts only, with each scene's budget and the
variant's hook angle (``copywriter.angle_for``). ``check_copy`` refuses the whole answer when
a line is ungrounded (``grounding.ungrounded``: a price not written as the page's, a number or
percentage not in the facts or the template's lines, an attribute from a closed multilingual
list the facts lack), does not fit, or has any claims finding; the template's copy is then
kept and ``CopyResult.record`` (``Ad.copy``) says why.

Commands (stable JSON)
----------------------
- ``list_templates --json``: a list of ``{slug, vertical, structure, name, description,
  languages, lengths, min_length, max_length, needs}`` (``summary.py``; the API's template list
  shows the same).
- ``build_script --product-json FILE|- --template SLUG|auto --language CODE --length S
  [--variants N] [--market CN|US|EU] [--seed N] [--platform P] [--tone T] [--cta TEXT]
  [--format F ...] --json``: ``{template, why, language, length, market, scripts: [{variant,
  script, findings, blocked}]}``; FILE as ``scrape --json`` prints it; nothing is stored.
"""
