# ruff: noqa: RUF001 - the en dash in a product title is deliberate
"""The post text: a title, the ad's own captions and call to action, and hashtags, each once."""

from __future__ import annotations

from generation.studio.posttext import post_text


def test_the_post_text_repeats_the_ads_words_and_tags_brand_vertical_and_title():
    script = {
        "cta": "Shop now",
        "scenes": [
            {"caption": "Soft  all day"},
            {"caption": ""},
            {"caption": "Soft all day"},
            {"caption": "Shop now"},
        ],
    }
    product = {
        "title": "Aurora Organic Cotton Tee – White",
        "brand": "Northwind",
        "vertical": "apparel",
    }
    post = post_text(script=script, product=product)
    assert post.title == "Northwind Aurora Organic Cotton Tee – White"
    assert post.caption == "Soft all day\nShop now"
    assert post.hashtags == ("#northwind", "#apparel", "#aurora", "#organic", "#cotton")
    assert post.text == f"{post.title}\n\n{post.caption}\n\n{' '.join(post.hashtags)}"


def test_a_brand_in_the_title_is_not_repeated_and_other_is_not_a_tag():
    post = post_text(
        script={"scenes": []},
        product={"title": "Glacier bottle", "brand": "glacier", "vertical": "other"},
    )
    assert post.title == "Glacier bottle" and post.caption == ""
    assert post.hashtags == ("#glacier", "#bottle")
