"""The renderer: a ``RenderSpec`` in, an MP4 (H.264 + AAC), a JPEG poster and SRT/WebVTT out.

Framework-free (no Django): ``generation/specs.py`` turns a stored Ad and its finished Shots
into one ``RenderSpec`` per format (``spec.py``: the format with its safe zone, scenes with
shot, caption, voice-over, badge and transition, audio and brand options), and
``compose.render_ad_video(spec, out_dir=, basename=, progress=, should_cancel=)`` writes
``<basename>.mp4``, ``.jpg``, ``.srt`` and ``.vtt`` under temporary names, renamed into place
together at the end, so a failure or a cancel never leaves a partial file. ``should_cancel`` is
polled every frame (the job's poller reads the flag every 0.5 s).

Frames: the motion engine (issue 15)
------------------------------------
``timeline.Timeline.frame(t)`` is the frame contract (seconds → an HxWx3 uint8 RGB frame) that
the encoder pulls from. Everything is rasterised once per scene; a frame only copies, warps
and blends small boxes (cv2), with no text drawn per frame.

- Style (``styles.py``): four presets, ``clean`` (studio), ``bold`` (sale), ``premium`` and
  ``playful``, each a palette, type (weight, size, capitals), motion curves, the transitions
  it cycles through and a sticker shape. ``BrandSpec.style`` picks one, else the vertical's
  default (``VERTICAL_DEFAULTS``). Colours come from the brand kit when the workspace has one
  (``BrandSpec.custom_colours``), else from the product photos' palette (k-means).
- Layout per format (``layouts.py``): 9:16 and 4:5 stack the product large (at least
  ``OCCUPANCY`` of the frame's height: 45 % at 9:16) over the caption's box; 16:9 and 1:1
  split it, product on one side and caption and price on a text panel on the other.
  Right-to-left languages mirror the layout and the stickers (the caption stays inside the
  platforms' asymmetric safe zone).
- Layered scenes (``scenes.py``, ``plates.py``, ``layers.py``): a cut-out stands on a studio
  sweep that drifts by whole pixels (one copy a frame) while the product sprite pops in,
  then grows and drifts the other way (parallax), with one soft contact shadow drawn by
  Shopreel. ``plates.refine_cutout`` removes the packshot's own floor shadow or plate and
  opens holes that show the backdrop (a mug's handle). A photo with surroundings is shown
  full-bleed, smart-cropped around the product (``plates.focus_box``), the camera gliding
  in (one warp of the picture area; ``camera.glide`` never stops inside a scene), darkened
  under the caption. In stacked layouts the caption keeps off the product wherever the camera
  takes it (``layouts.caption_band``: under it, or above it, or on a plate when it fills the
  frame); a product too tall for its place gets room from the photo's edges carried on
  (``plates.cover``). The end card: the logo or the shop's name, the product, the price tag
  and a pulsing call-to-action button on the end card's colours.
- Kinetic captions (``kinetic.py``): the caption is laid out once (``captions``' fonts,
  line breaking and outline) and cut into word sprites that pop or slide in with the
  style's curve, each when the voice says it (``wordsync.highlight_times`` on the
  soundtrack's word timings, so with a voice the soundtrack is made before the frames), or
  in quick succession without one; the first scene's headline is on screen and moving by
  0.5 s. The caption lifts out before its scene ends. ``highlight`` colours the spoken word;
  ``boxed`` puts the words on a pill; right-to-left captions come in as one piece.
- Stickers (``stickers.py``, ``decor.py``): from the page's facts (``OfferSpec``, built by
  ``generation/specs.py``): the price tag on the offer scene and the end card, a sale's old
  price struck through beside the new one, the discount burst, the rating's stars, "new" and
  "free shipping" only where the page says so; no fact written more than twice in the ad,
  captions included (``stickers.plan``). Without those facts the script's badge is drawn.
  Prices and ratings are drawn as their own left-to-right run (``captions.isolated_run``
  inside a caption), so Arabic reads "US$ 32" and "4.5/5" the right way round; the
  sentence's spaces and punctuation at the run's edges stay outside it, so a full stop
  after a price ends the Arabic sentence.
- Transitions (``transitions.py``): cut, slide, push, zoom-through, whip (blurred push) and
  wipe, centred on the cut; a script's ``crossfade`` lets the style pick one in turn. None
  blends two pictures, and a scene's text is drawn only inside its own time, so two
  captions never share a frame. ``transitions.on_beats`` moves every cut onto the music
  bed's beats (``music.beat_times``; the bed is synthesised, so they are known), keeping
  each scene at least 1 s and 80 % of its length; the soundtrack and subtitles use the same
  times.
- A clip shot (diffusion, try-on) is decoded and cover-fitted to the picture area, holding
  its last frame.
- Encoder: ``RenderSpec.encoder`` from ``SHOPREEL_VIDEO_ENCODER`` (``auto``, ``libx264``,
  ``h264_nvenc``); ``compose.resolve_encoder`` picks ``h264_nvenc`` for ``auto`` only when
  that ffmpeg lists it and an NVIDIA device is present, else libx264; the frames go to
  ``encode.encode_frames``, which draws each frame and converts it to yuv420p
  (``cv2.COLOR_RGB2YUV_I420``: BT.601, limited range, tagged so) on one worker thread, ahead
  of the write, and hands the planes to libx264 in this process (PyAV, x264's frame threads)
  with the WAV encoded to AAC beside it; NVENC or a named ffmpeg gets them on a pipe instead.
  Nothing is converted after us: fed rgb24, ffmpeg's own conversion cost about a third more
  CPU than the encode.
  moviepy no longer writes the video (it still decodes clip shots; the bench keeps its
  writer as the comparison).

Text (captions.py, linebreak.py, fonts.py, wordsync.py)
--------------------------------------------------------
- A font chain per language (the bundled ``render/fonts/`` first, then Noto Sans, Noto Sans
  CJK, Noto Sans Arabic, DejaVu), glyph fall-back per run of characters by cmap, emoji without
  a glyph dropped, right-to-left shaping through raqm; wrapped and shrunk to at most 3 lines
  inside the layout's text box. A brand font comes first in the chain for Latin-script
  languages (captions, the shop's name and the end card's call-to-action button). Caption styles per ad (``BrandSpec.caption_style``): ``outline`` (default),
  ``boxed`` and ``highlight``.

Audio (audio.py, speech.py, espeak.py, piper_tts.py, kokoro_tts.py, music.py, loudness.py)
-------------------------------------------------------------------------------------------
- A pluggable ``TTSEngine``; ``audio.engine_for`` picks it from ``AudioSpec.engine``
  (``SHOPREEL_TTS_ENGINE``). espeak-ng is the default: its word timings come from
  libespeak-ng's WORD events through ctypes; the command line alone gives estimates
  (``Speech.timed`` False). ``piper_tts.PiperTTS`` is the neural voice (``piper``, the
  ``voice`` extra) with voices only from ``SHOPREEL_PIPER_VOICES_DIR`` (``<voice>.onnx`` +
  ``.onnx.json``, never downloaded); ``kokoro_tts.KokoroTTS`` (``kokoro``) speaks Kokoro-82M
  through kokoro-onnx from ``SHOPREEL_KOKORO_DIR`` (``kokoro-v1.0.onnx`` + ``voices-v1.0.bin``)
  with a female and a male voice per language it speaks (ja and zh text read through
  ``reading.py`` first, as for espeak). Unset, missing or empty, the render
  fails before any work with a message naming what is missing.
- What the voice is given (``reading.py``): Japanese as kana (pykakasi), Chinese to the
  pinyin-reading Mandarin voice, Latin names inside them to the English voice, prices said in
  the language. A line too long for its scene is spoken at most 1.15x faster, then replaced by
  a shorter version of itself (whole clauses, prices kept), never cut; a line that still
  overruns runs on and the next waits (``audio.Soundtrack.lines`` records each fit). Captions
  in ja/zh break between BudouX phrases with kinsoku, Thai between words (``linebreak.py``). The music bed is
  synthesised here (deterministic per seed) and ducked under the voice; the mix is brought to
  -14 LUFS (BS.1770) with a -1 dBTP limiter.
- One soundtrack per ad (``soundtracks.py``): the renderer asks ``soundtracks.soundtrack``;
  inside ``with soundtracks.reuse():`` (``job_render`` wraps its formats in one) a spec equal
  in every field but the format gets a copy of the WAV and word timings already built.

Brand
-----
``accounts.BrandKit`` (one per workspace: logo, primary/accent/text colours, font, caption
style, style preset, call to action), changed on the studio's brand page (``generation/studio/views/brand.py``,
its preview a frame of this renderer) through ``accounts.services.brand_kit_update`` (the logo
checked by ``core.images.validate_image``, the font by fontTools, colours ``#RRGGBB``;
``accounts/brand.py``). ``generation/specs.py`` turns the ad's workspace's kit into the
``BrandSpec`` (with ``custom_colours``); the kit's style preset, when set, wins over the
one the ad's tone picks (``specs.brand_with_style``), else the vertical's default. The end card shows the logo (else the shop's name
from the page), the price and the call to action (the kit's, when the script's is empty).

Figures: docs/BENCHMARKS.md (``bench/render.py``; ``--length 60 --memory`` for peak memory).
"""
