"""The renderer: a ``RenderSpec`` in, an MP4 (H.264 + AAC), a JPEG poster and SRT/WebVTT out.

Framework-free (no Django): ``generation/specs.py`` turns a stored Ad and its finished Shots
into one ``RenderSpec`` per format (``spec.py``: the format with its safe zone, scenes with
shot, caption, voice-over, badge and transition, audio and brand options), and
``compose.render_ad_video(spec, out_dir=, basename=, progress=, should_cancel=)`` writes
``<basename>.mp4``, ``.jpg``, ``.srt`` and ``.vtt`` under temporary names, renamed into place
together at the end, so a failure or a cancel never leaves a partial file. ``should_cancel`` is
polled every frame (the job's poller reads the flag every 0.5 s).

Frames
------
Per scene the background plate (a studio gradient behind a cut-out, or a blurred cover of the
photo), the product layer, the caption and the badge are rasterised once; a frame is then one
``cv2.warpAffine`` (the camera move) plus alpha blending inside the caption and badge boxes
only. A clip shot (diffusion, try-on) is decoded and cover-fitted, holding its last frame. The
next frame is drawn on a thread while moviepy hands the current one to ffmpeg (imageio-ffmpeg's
binary); moviepy 2 owns the timeline (a ``VideoClip`` on our frame function,
``write_videofile`` with the mixed WAV as its audio).

- Encoder: ``RenderSpec.encoder`` from ``SHOPREEL_VIDEO_ENCODER`` (``auto``, ``libx264``,
  ``h264_nvenc``). ``compose.resolve_encoder`` picks ``h264_nvenc`` for ``auto`` only when
  that ffmpeg lists it and an NVIDIA device is present (``/dev/nvidia0`` or ``nvidia-smi -L``),
  else libx264; NVENC gets preset p2/p5 and ``-cq`` in place of x264's preset and CRF.
- Layout (``plates.py``): the product sits above the caption band (the scene's caption top, at
  least a two-line caption's band; on the end card the price badge's top), with room for the
  closest camera move (zoom 1.14 plus drift), so a tall photo never runs into the caption in
  any format.

Captions (captions.py, linebreak.py, fonts.py, wordsync.py)
-----------------------------------------------------------
- A font chain per language (the bundled ``render/fonts/`` first, then Noto Sans, Noto Sans
  CJK, Noto Sans Arabic, DejaVu), glyph fall-back per run of characters by cmap, emoji without
  a glyph dropped, right-to-left shaping through raqm; wrapped and shrunk to at most 3 lines
  inside the format's safe zone (``spec.FORMATS``). A brand font comes first in the chain for
  Latin-script languages.
- Styles per ad (``BrandSpec.caption_style``): ``outline`` (the default: bold, dark outline,
  shadow), ``boxed`` (on a rounded box in the brand's primary colour) and ``highlight``
  (outline, the word being spoken in the accent colour). Highlight is rasterised once per word
  (``captions.render_caption_words``) and a frame only picks the layer for its time
  (``blend.TimedBlendLayer``). The times come from the voice: caption words are matched to the
  spoken words (``wordsync.highlight_times``: case and punctuation ignored, unmatched words
  placed between their neighbours), so in this style the soundtrack is made before the frames.
  Right-to-left captions keep the outline style.

Audio (audio.py, speech.py, espeak.py, piper_tts.py, music.py, loudness.py)
-------------------------------------------------------------------------------
- A pluggable ``TTSEngine``; ``audio.engine_for`` picks it from ``AudioSpec.engine``
  (``SHOPREEL_TTS_ENGINE``). espeak-ng is the default: its word timings come from
  libespeak-ng's WORD events through ctypes; the command line alone gives estimates
  (``Speech.timed`` False). ``piper_tts.PiperTTS`` is the neural voice (``piper``, the
  ``voice`` extra) with voices only from ``SHOPREEL_PIPER_VOICES_DIR`` (``<voice>.onnx`` +
  ``.onnx.json``, never downloaded); unset, missing or empty, the render fails before any work
  with a message naming what is missing.
- A line that overruns its scene is spoken faster, then trimmed with a fade. The music bed is
  synthesised here (deterministic per seed) and ducked under the voice; the mix is brought to
  -14 LUFS (BS.1770) with a -1 dBTP limiter.

Brand
-----
``accounts.BrandKit`` (one per workspace: logo, primary/accent/text colours, font, caption
style, call to action), changed through ``accounts.services.brand_kit_update`` (the logo
checked by ``core.images.validate_image``, the font by fontTools, colours ``#RRGGBB``;
``accounts/brand.py``). ``generation/specs.py`` turns the ad's workspace's kit into the
``BrandSpec``. The end card shows the logo, the price badge and the call to action (the kit's,
when the script's is empty) in the brand colours.

Figures: docs/BENCHMARKS.md (``bench/render.py``; ``--length 60 --memory`` for peak memory).
"""
