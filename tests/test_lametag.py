"""The LAME Info tag narrator writes before the audio of every MP3, read back with mutagen's own
Xing/LAME parser and (where installed) decoded by ffmpeg: frame and byte counts, encoder delay
and padding, seek table, both CRCs, and a decoder that plays exactly the samples encoded."""
from __future__ import annotations

import io
import itertools
import shutil
import subprocess
from pathlib import Path

import lameenc
import numpy as np
import pytest
from mutagen.mp3 import MP3, BitrateMode
from mutagen.mp3._util import XingHeader

from narrator.lametag import (
    ENCODER_DELAY,
    FrameScan,
    TaggedStream,
    crc16,
    parse_header,
    tag_frame,
    tag_length,
)

ffmpeg = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(ffmpeg is None, reason="ffmpeg not installed")


def reference_crc(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC one bit at a time, straight from the polynomial."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def signal(n: int, rate: int, seed: int = 0) -> np.ndarray:
    t = np.arange(n) / rate
    rng = np.random.default_rng(seed)
    wave = np.sin(2 * np.pi * 220 * t) * 7000 * (1 + np.sin(3 * t)) / 2 + rng.normal(0, 400, n)
    return np.clip(wave, -32768, 32767).astype("<i2")


def encode(pcm: np.ndarray, rate: int, kbps: int, quality: int = 7) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_channels(1)
    encoder.set_in_sample_rate(rate)
    encoder.set_bit_rate(kbps)
    encoder.set_quality(quality)
    return bytes(encoder.encode(pcm.tobytes())) + bytes(encoder.flush())


def tagged(pcm: np.ndarray, rate: int, kbps: int) -> tuple[bytes, FrameScan]:
    handle = io.BytesIO()
    stream = TaggedStream(handle)
    data = encode(pcm, rate, kbps)
    for i in range(0, len(data), 777):  # any split of the encoder's output
        stream.write(data[i : i + 777])
    stream.close(len(pcm), rate, 7)
    return handle.getvalue(), stream.scan


# ----------------------------------------------------------------- CRC-16


def test_crc16_is_lames_crc_in_both_the_short_and_the_row_parallel_path() -> None:
    assert crc16(b"123456789") == 0xBB3D  # the catalogue check value of CRC-16/ARC
    rng = np.random.default_rng(7)
    for size in (0, 1, 4095, 4096 * 3 + 17, 25_003):
        data = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        assert crc16(data) == reference_crc(data), size
        assert crc16(data, 0x1234) == reference_crc(data, 0x1234), size
    data = rng.integers(0, 256, 30_000, dtype=np.uint8).tobytes()
    assert crc16(data[10_001:], crc16(data[:10_001])) == reference_crc(data)


# ----------------------------------------------------------------- the frame walk


def test_frame_scan_walks_frames_fed_in_any_split() -> None:
    data = encode(signal(30_000, 22050), 22050, 64)
    whole = FrameScan()
    whole.feed(data)
    whole.finish()
    pieces = FrameScan()
    sizes, at = itertools.cycle((1, 2, 3, 5, 208, 209, 1000)), 0
    while at < len(data):  # headers split across pieces, pieces inside frames
        size = next(sizes)
        pieces.feed(data[at : at + size])
        at += size
    pieces.finish()
    assert (pieces.frames, pieces.bytes, list(pieces.starts), pieces.crc) == (
        whole.frames, whole.bytes, list(whole.starts), whole.crc)
    assert whole.crc == reference_crc(data)
    first = whole.first
    assert first is not None and (first.sample_rate, first.bitrate, first.mono, first.samples) == (22050, 64, True, 576)
    lengths = np.diff([*whole.starts, whole.bytes])
    assert set(lengths) <= {208, 209} and whole.constant_bitrate  # 64 kbps at 22.05 kHz: 208.98 bytes a frame


def test_frame_scan_refuses_what_is_not_a_whole_mp3_stream() -> None:
    data = encode(signal(10_000, 22050), 22050, 64)
    with pytest.raises(ValueError, match="no MP3 frame at byte 0"):
        FrameScan().feed(b"RIFF" + data)
    garbled = FrameScan()
    with pytest.raises(ValueError, match="no MP3 frame at byte"):
        garbled.feed(data[:500] + b"\x00" * 500)
    cut = FrameScan()
    cut.feed(data[:-10])
    with pytest.raises(ValueError, match="ends inside a frame"):
        cut.finish()
    with pytest.raises(ValueError, match="no MP3 frame"):
        FrameScan().finish()
    assert parse_header(b"\xff\xfb") is None and parse_header(b"\xff\xfb\xf0\xc4") is None  # short; bad bitrate


# ----------------------------------------------------------------- the tag, as mutagen reads it

CASES = [
    (22050, 64, 66_273),  # narrator's espeak and Piper chapters: MPEG-2, "Info"
    (16000, 64, 50_001),
    (44100, 128, 44_100),  # MPEG-1 frames of 1152 samples
    (8000, 64, 9_000),  # MPEG-2.5
    (22050, 32, 22_050),  # the tag does not fit in a 104-byte frame: a bigger frame, "Xing"
    (24000, 32, 48_000),  # LAME resamples to 22050 Hz
]


@pytest.mark.parametrize(("rate", "kbps", "n"), CASES)
def test_mutagen_reads_frames_bytes_delay_padding_and_the_exact_length(
        tmp_path: Path, rate: int, kbps: int, n: int) -> None:
    data, scan = tagged(signal(n, rate), rate, kbps)
    path = tmp_path / "t.mp3"
    path.write_bytes(data)
    first = scan.first
    assert first is not None
    out_rate = first.sample_rate
    expected = round(n * out_rate / rate)
    info = MP3(path).info
    assert info.length * out_rate == pytest.approx(expected, abs=1e-6)
    assert info.sample_rate == out_rate and info.bitrate_mode == BitrateMode.CBR
    assert info.encoder_info == "LAME 3.100.0+"
    head = data[: tag_length(first)]
    header = parse_header(head)
    assert header is not None and header.length == len(head)
    assert head[4 : 4 + header.side_info] == bytes(header.side_info)  # empty frame: silence
    assert (header.raw >> 16) & 1 and not (header.raw >> 9) & 1  # no CRC, no padding byte
    xing_at = 4 + header.side_info
    xing = XingHeader(io.BytesIO(head[xing_at:]))
    assert xing.is_info == (header.bitrate == first.bitrate)
    assert (xing.frames, xing.bytes) == (scan.frames, len(data))
    lame = xing.lame_header
    assert lame is not None
    assert lame.encoder_delay_start == ENCODER_DELAY
    assert lame.encoder_padding_end == scan.frames * first.samples - ENCODER_DELAY - expected
    assert lame.music_length == len(data)
    assert lame.music_crc == reference_crc(data[len(head) :])
    end = xing_at + 156 - 2
    assert lame.header_crc == reference_crc(head[:end])
    assert head[end + 2 :] == bytes(len(head) - end - 2)
    toc = xing.toc
    assert len(toc) == 100 and toc == sorted(toc)
    for i in (1, 37, 99):  # a seek lands on or just before the frame that plays i % into the file
        frame_at = len(head) + scan.starts[i * scan.frames // 100]
        assert toc[i] * len(data) / 256 <= frame_at < (toc[i] + 1) * len(data) / 256


def test_the_tag_is_only_built_for_what_the_stream_can_hold() -> None:
    scan = FrameScan()
    scan.feed(encode(signal(5000, 22050), 22050, 64))
    scan.finish()
    with pytest.raises(ValueError, match="cannot hold"):
        tag_frame(scan, scan.frames * 576, 22050, 7)  # more samples than its frames carry
    with pytest.raises(ValueError, match="no MP3 frame"):
        tag_frame(FrameScan(), 10, 22050, 7)


# ----------------------------------------------------------------- gapless, as ffmpeg decodes it


def decode(path: Path) -> np.ndarray:
    assert ffmpeg is not None
    out = subprocess.run([ffmpeg, "-v", "error", "-i", str(path), "-f", "s16le", "-acodec", "pcm_s16le", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<i2")


@needs_ffmpeg
@pytest.mark.parametrize(("rate", "kbps"), [(22050, 64), (44100, 128), (22050, 32)])
def test_ffmpeg_plays_exactly_the_samples_encoded(tmp_path: Path, rate: int, kbps: int) -> None:
    n = rate + 321
    pcm = np.zeros(n, dtype="<i2")
    pcm[1000] = 30000  # a click: where it comes out is where sample 1000 plays
    path = tmp_path / "click.mp3"
    path.write_bytes(tagged(pcm, rate, kbps)[0])
    decoded = decode(path)
    assert len(decoded) == n
    assert abs(int(np.argmax(np.abs(decoded.astype(np.int32)))) - 1000) <= 1
