"""What an ad costs, in credits: a pure function of what is rendered. No Django.

- 1 credit per started 5 seconds of video, per format (a 15 s ad in 9:16 and 1:1 is 6);
- 3 more credits per started 5 seconds of generative footage (diffusion or try-on shots, made
  on a GPU), once per ad: the clips are made once and laid out for every format.

A job is quoted and reserved before it is queued, with the most it can cost (every scene
generative where the deployment sends shots to a GPU first), and settled for what it delivered:
the formats rendered and the generative footage actually made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SECONDS_PER_CREDIT = 5
GENERATIVE_CREDITS = 3  # per started SECONDS_PER_CREDIT of generative footage


@dataclass(frozen=True)
class Price:
    credits: int
    video: int  # length times formats
    generative: int  # the GPU surcharge

    def as_dict(self) -> dict:
        return {"credits": self.credits, "video": self.video, "generative": self.generative}


def _blocks(seconds: float) -> int:
    return math.ceil(round(seconds, 6) / SECONDS_PER_CREDIT) if seconds > 0 else 0


def ad_price(*, length: float, formats: int, generative_seconds: float = 0.0) -> Price:
    """The price of ``formats`` renders of a ``length``-second ad, ``generative_seconds`` of
    which are generative footage (at most the ad's length). Nothing delivered costs nothing."""
    if length < 0 or formats < 0 or generative_seconds < 0:
        raise ValueError("length, formats and generative_seconds are never negative")
    if formats == 0:
        return Price(credits=0, video=0, generative=0)
    video = _blocks(length) * formats
    generative = _blocks(min(generative_seconds, length)) * GENERATIVE_CREDITS
    return Price(credits=video + generative, video=video, generative=generative)
