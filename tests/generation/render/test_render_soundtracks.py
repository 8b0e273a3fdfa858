"""One soundtrack per ad: the formats of one ad share it (``soundtracks.reuse``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from generation.render import audio, soundtracks
from generation.render.compose import render_ad_video
from generation.render.spec import FORMATS, AudioSpec, OutputFormat

from .conftest import probe, simple_spec

pytestmark = pytest.mark.slow

MUSIC = AudioSpec(voice=False, music=True)
SIZES = (
    OutputFormat("9:16", 270, 480, FORMATS["9:16"].safe_zone),
    OutputFormat("1:1", 240, 240, FORMATS["1:1"].safe_zone),
    OutputFormat("16:9", 480, 270, FORMATS["16:9"].safe_zone),
)


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """Every soundtrack actually built (``audio.soundtrack`` runs), counted."""
    made: list[int] = []
    real = audio.soundtrack

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(audio, "soundtrack", counting)
    return made


def _render_formats(photo: Path, out: Path, **spec_changes) -> list[np.ndarray]:
    """The decoded audio of the ad rendered in each of SIZES."""
    tracks = []
    for fmt in SIZES:
        spec = dataclasses.replace(simple_spec(photo, fmt=fmt, audio=MUSIC), **spec_changes)
        result = render_ad_video(spec, out_dir=out, basename=fmt.name.replace(":", "x"))
        tracks.append(probe(result.video, keep_frames=False).audio)
    return tracks


def test_three_formats_of_one_ad_build_the_soundtrack_once(
    tmp_path: Path, make_photo, builds
) -> None:
    photo = make_photo()
    with soundtracks.reuse():
        heard = _render_formats(photo, tmp_path / "out")
        assert soundtracks.builds() == 1
    assert len(builds) == 1
    assert heard[0].shape == heard[1].shape == heard[2].shape
    assert np.abs(heard[0]).max() > 0.05  # music, not silence
    for other in heard[1:]:
        np.testing.assert_allclose(other, heard[0], atol=1e-4)


def test_without_reuse_each_format_builds_its_own(tmp_path: Path, make_photo, builds) -> None:
    _render_formats(make_photo(), tmp_path / "out")
    assert len(builds) == len(SIZES)


def test_a_different_ad_inside_the_same_block_gets_its_own_soundtrack(
    tmp_path: Path, make_photo, builds
) -> None:
    photo = make_photo()
    with soundtracks.reuse():
        first = _render_formats(photo, tmp_path / "a")
        second = _render_formats(photo, tmp_path / "b", seed=99)  # another music bed
    assert len(builds) == 2
    assert not np.allclose(first[0], second[0], atol=1e-3)


def test_the_kept_copies_go_when_the_block_ends(tmp_path: Path, make_photo) -> None:
    spec = simple_spec(make_photo(), audio=MUSIC)
    with soundtracks.reuse():
        track = soundtracks.soundtrack(spec, tmp_path / "a.wav", n_samples=48_000)
        kept = list(Path(soundtracks._store.folder.name).glob("*.wav"))
        assert len(kept) == 1 and kept[0].stat().st_size == (tmp_path / "a.wav").stat().st_size
    assert track.path == tmp_path / "a.wav" and track.path.exists()
    assert not kept[0].exists()
