"""The Xing/Info frame with a LAME tag that LAME writes before the audio, built for lameenc.

lameenc drives LAME 3.100 but writes no tag frame (it has no `lame_get_lametag_frame`), so a
decoder knows neither how long the file is (ffprobe: "Estimating duration from bitrate") nor
where the real samples start and end. This module builds that frame from the encoded stream
itself, the way LAME's `VbrTag.c` lays it out (the "Mp3 Info Tag rev 1" specification):

* an empty Layer III frame (all side information zero: it decodes to silence, and decoders that
  know the tag skip it) with the header of the stream's own first frame, padding bit cleared
  (when the tag does not fit in a frame of that bitrate, 48 kbps and less at 22.05 kHz, LAME
  writes no tag at all; here the frame takes the smallest bitrate that holds it, "Xing");
* at the side-information offset, "Info" (all audio frames share one bitrate) or "Xing", the
  flags, the number of audio frames (the tag frame not counted), the number of bytes (the tag
  frame counted), a 100-entry seek table and LAME's quality indicator;
* LAME's extension: the encoder version, the encoder delay (576 samples, LAME's) and the padding
  at the end, the stream length, the CRC-16 of the audio frames and the CRC-16 of the tag.

A decoder that reads the tag (ffmpeg and the players built on it, checked in the tests; most
gapless players) then drops the tag frame, the 576 + 529 samples of encoder and decoder delay and
the padding, and plays exactly the PCM that was encoded: sample 0 in is sample 0 out. One that
does not hears the empty frame and both delays as silence before the first sample.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass
from functools import lru_cache
from typing import IO

import numpy as np

ENCODER_DELAY = 576
"""Samples of LAME's encoder delay, written in the tag; the decoder adds its own 529."""
ENCODER = b"LAME3.100"
"""The short version string of the LAME that lameenc bundles; decoders check for "LAME"."""

_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
"""Keyed by the header's two version bits: 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5."""
_TAG_BYTES = 156
"""Xing part (4 + 4 + 4 + 4 + 100 + 4) and LAME part (36), as LAME's LAMEHEADERSIZE."""
_FLAGS = 0x0F
"""Frames, bytes, seek table and quality present."""


@dataclass(frozen=True, slots=True)
class FrameHeader:
    """The 32-bit header of one MPEG-1/2/2.5 Layer III frame."""

    raw: int

    @property
    def version_bits(self) -> int:
        return (self.raw >> 19) & 3

    @property
    def mpeg1(self) -> bool:
        return self.version_bits == 3

    @property
    def bitrate(self) -> int:
        """kbps."""
        return _BITRATES[1 if self.mpeg1 else 2][(self.raw >> 12) & 15]

    @property
    def sample_rate(self) -> int:
        return _SAMPLE_RATES[self.version_bits][(self.raw >> 10) & 3]

    @property
    def mono(self) -> bool:
        return (self.raw >> 6) & 3 == 3

    @property
    def samples(self) -> int:
        """Samples per frame (per channel)."""
        return 1152 if self.mpeg1 else 576

    @property
    def side_info(self) -> int:
        """Bytes of side information after the header (and its CRC, if any)."""
        if self.mpeg1:
            return 17 if self.mono else 32
        return 9 if self.mono else 17

    @property
    def length(self) -> int:
        """Bytes of the whole frame, header included."""
        padding = (self.raw >> 9) & 1
        return (self.samples // 8) * self.bitrate * 1000 // self.sample_rate + padding

    def with_bitrate(self, kbps: int) -> FrameHeader:
        """This header with another bitrate, the padding bit cleared and no CRC."""
        index = _BITRATES[1 if self.mpeg1 else 2].index(kbps)
        raw = (self.raw & ~(0xF << 12) & ~(1 << 9)) | (index << 12) | (1 << 16)
        return FrameHeader(raw)

    @property
    def stream_kind(self) -> int:
        """What must be equal in every frame of one stream: version, layer, rate and mode."""
        return self.raw & 0xFFFE0CC0


def parse_header(data: bytes) -> FrameHeader | None:
    """The Layer III frame header in the first four bytes of `data`, or None if there is none."""
    if len(data) < 4:
        return None
    raw = int.from_bytes(data[:4], "big")
    if (raw >> 21) != 0x7FF or ((raw >> 19) & 3) == 1 or ((raw >> 17) & 3) != 1:
        return None
    if ((raw >> 12) & 15) in (0, 15) or ((raw >> 10) & 3) == 3:
        return None  # free format, bad bitrate, reserved rate
    return FrameHeader(raw)


# --------------------------------------------------------------------------- CRC-16


def _crc_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ 0xA001, table >> 1)
    return table


_TABLE = _crc_table().astype(np.uint16)
_TABLE_LIST = [int(v) for v in _TABLE]
_ROW = 256
"""Bytes per row when a long buffer's CRC is computed row-parallel."""


@lru_cache(maxsize=1)
def _row_shift() -> tuple[list[int], list[int]]:
    """For a register value s, the register after `_ROW` zero bytes is lo[s & 255] ^ hi[s >> 8]."""
    state = np.concatenate([np.arange(256, dtype=np.uint16), np.arange(256, dtype=np.uint16) << 8])
    for _ in range(_ROW):
        state = (state >> 8) ^ _TABLE[state & 0xFF]
    return [int(v) for v in state[:256]], [int(v) for v in state[256:]]


def crc16(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """CRC-16/ARC (polynomial 0x8005 reflected, no final xor) of `data`, continuing from `crc`:
    the checksum LAME writes for the audio and for the tag.

    Past the first `len % _ROW` bytes the buffer is cut into rows of `_ROW` bytes whose CRCs
    numpy computes side by side (row 0 continuing from the register so far, the others from 0)
    and then chains (CRC is linear: a row's register is its own CRC xor what `_ROW` zero bytes
    make of the register before it), so a chapter costs milliseconds, not a loop per byte.
    """
    view = memoryview(data).cast("B")
    head = len(view) % _ROW if len(view) >= 4 * _ROW else len(view)
    for byte in view[:head]:
        crc = (crc >> 8) ^ _TABLE_LIST[(crc ^ byte) & 0xFF]
    if head == len(view):
        return crc
    matrix = np.frombuffer(view[head:], dtype=np.uint8).reshape(-1, _ROW)
    register = np.zeros(len(matrix), dtype=np.uint16)
    register[0] = crc
    for column in matrix.T:
        register = (register >> 8) ^ _TABLE[register.astype(np.uint8) ^ column]
    lo, hi = _row_shift()
    crc = 0
    for value in register.tolist():
        crc = value ^ lo[crc & 0xFF] ^ hi[crc >> 8]
    return crc


# --------------------------------------------------------------------------- the stream


class FrameScan:
    """Walks an MP3 frame stream fed in arbitrary pieces: frame count, byte count, where each
    frame starts (for the seek table), whether all share one bitrate, and the CRC of it all."""

    def __init__(self) -> None:
        self.first: FrameHeader | None = None
        self.frames = 0
        self.bytes = 0
        self.constant_bitrate = True
        self.crc = 0
        self.starts = array("Q")
        self._lengths: dict[int, int] = {}
        """Frame length by raw header: a CBR stream has two (with and without padding byte)."""
        self._tail = b""
        """The start of a header cut off by the end of the last piece."""
        self._skip = 0
        """Bytes of the current frame still to come in the next pieces."""
        self._pending = bytearray()

    def feed(self, data: bytes) -> None:
        """Take the next bytes of the stream. Raises ValueError on something that is no frame."""
        buf = self._tail + bytes(data) if self._tail else bytes(data)
        base = self.bytes - len(self._tail)  # stream offset of buf[0]
        at = self._skip
        while at + 4 <= len(buf):
            raw = int.from_bytes(buf[at : at + 4], "big")
            length = self._lengths.get(raw) or self._learn(raw, base + at)
            self.starts.append(base + at)
            at += length
        self.frames = len(self.starts)
        self._tail, self._skip = (buf[at:], 0) if at <= len(buf) else (b"", at - len(buf))
        self.bytes += len(data)
        self._pending += data
        if len(self._pending) >= 1 << 20:
            self._fold()

    def _learn(self, raw: int, offset: int) -> int:
        """Check a header value not seen before in this stream; return its frame length."""
        header = parse_header(raw.to_bytes(4, "big"))
        if header is None or (self.first is not None and header.stream_kind != self.first.stream_kind):
            raise ValueError(f"no MP3 frame at byte {offset} of the encoded stream")
        if self.first is None:
            self.first = header
        elif header.bitrate != self.first.bitrate:
            self.constant_bitrate = False
        self._lengths[raw] = header.length
        return header.length

    def _fold(self) -> None:
        self.crc = crc16(self._pending, self.crc)
        self._pending = bytearray()

    def finish(self) -> None:
        """Check the stream ended at a frame boundary and settle the CRC."""
        self._fold()
        if self._skip or self._tail:
            raise ValueError(f"the encoded stream ends inside a frame (byte {self.bytes})")
        if self.first is None:
            raise ValueError("the encoded stream holds no MP3 frame")


# --------------------------------------------------------------------------- the tag frame


def tag_header(first: FrameHeader) -> FrameHeader:
    """The header of the tag frame: the stream's own, or, when the tag does not fit in a frame
    of that bitrate (8 kbps…), the smallest bitrate of the same version that holds it."""
    table = _BITRATES[1 if first.mpeg1 else 2]
    for kbps in (first.bitrate, *table[1:]):
        header = first.with_bitrate(kbps)
        if header.length >= 4 + header.side_info + _TAG_BYTES:
            return header
    raise ValueError("no bitrate holds the tag")  # cannot happen: 160 kbps always does


def tag_length(first: FrameHeader) -> int:
    """Bytes of the tag frame for a stream whose first audio frame has header `first`."""
    return tag_header(first).length


def _seek_table(scan: FrameScan, tag_bytes: int, total: int) -> bytes:
    """Entry i: the byte offset (from the tag frame, in 1/256 of the stream) where i % of the
    frames, so of the time, has been played. Rounded down: a seek lands on or before it."""
    entries = bytearray(100)
    for i in range(100):
        frame = i * scan.frames // 100
        offset = tag_bytes + scan.starts[frame]
        entries[i] = min(255, offset * 256 // total)
    return bytes(entries)


def _lame_extension(scan: FrameScan, first: FrameHeader, quality: int, padding: int, source_rate: int,
                    total: int) -> bytes:
    """LAME's part of the tag after the Xing fields, up to (not including) the tag CRC."""
    source = 0 if source_rate <= 32000 else 2 if source_rate == 48000 else 3 if source_rate > 48000 else 1
    misc = source << 6  # noise shaping 0, stereo mode 0 (mono), all flags off
    method = 1 if scan.constant_bitrate else 0  # constant bitrate, or unknown
    return b"".join([
        (100 - 10 * 4 - quality).to_bytes(4, "big"),  # LAME's VBR scale: VBR quality 4 (unused), -q
        ENCODER,
        bytes([method, 0]),  # tag revision 0 and the VBR method; lowpass unknown
        bytes(4 + 2 + 2),  # no peak, no ReplayGain
        bytes([0, min(first.bitrate, 255)]),  # no encoding flags; the (average) bitrate
        ((ENCODER_DELAY << 12) | padding).to_bytes(3, "big"),
        bytes([misc, 0]),  # and no MP3Gain
        (0).to_bytes(2, "big"),  # no preset
        total.to_bytes(4, "big"),
        scan.crc.to_bytes(2, "big"),
    ])


def tag_frame(scan: FrameScan, samples: int, source_rate: int, quality: int) -> bytes:
    """The tag frame for the stream `scan` walked, which LAME encoded (at quality `quality`) from
    `samples` samples at `source_rate`. Its length is `tag_length(scan.first)`.

    When LAME resampled (a rate MPEG does not have, or a low bitrate), its resampler adds no
    delay, so the stream holds `samples` scaled to its own rate, to within half a sample."""
    first = scan.first
    if first is None:
        raise ValueError("the encoded stream holds no MP3 frame")
    if first.sample_rate != source_rate:
        samples = round(samples * first.sample_rate / source_rate)
    header = tag_header(first)
    length = header.length
    total = length + scan.bytes
    padding = scan.frames * first.samples - ENCODER_DELAY - samples
    if not 0 <= padding < 1 << 12:
        raise ValueError(f"{scan.frames} frames cannot hold {samples} samples and the encoder delay")
    if total >= 1 << 32:
        raise ValueError("the stream is too long for the 32-bit sizes of the Info tag")
    constant = scan.constant_bitrate and header.bitrate == first.bitrate
    frame = bytearray(length)
    frame[:4] = header.raw.to_bytes(4, "big")
    at = 4 + header.side_info
    xing = b"".join([
        b"Info" if constant else b"Xing", _FLAGS.to_bytes(4, "big"), scan.frames.to_bytes(4, "big"),
        total.to_bytes(4, "big"), _seek_table(scan, length, total),
    ])
    lame = _lame_extension(scan, first, quality, padding, source_rate, total)
    frame[at : at + len(xing) + len(lame)] = xing + lame
    end = at + len(xing) + len(lame)
    frame[end : end + 2] = crc16(frame[:end]).to_bytes(2, "big")
    return bytes(frame)


class TaggedStream:
    """Writes an encoded stream to a seekable binary file behind room for its tag frame (sized
    once the first frame shows the stream's version, rate and bitrate) and fills the tag in when
    the stream ends, so the frame counts and CRCs are final and nothing is copied."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.scan = FrameScan()
        self._start = handle.tell()
        self._held = bytearray()
        self._reserved = False

    def write(self, data: bytes) -> None:
        """Append encoded bytes (any split). Raises ValueError on bytes that are no MP3 frames."""
        if not data:
            return
        self.scan.feed(data)
        if not self._reserved:
            self._held += data
            if self.scan.first is None:
                return
            self.handle.write(bytes(tag_length(self.scan.first)))
            data, self._held, self._reserved = bytes(self._held), bytearray(), True
        self.handle.write(data)

    def close(self, samples: int, source_rate: int, quality: int) -> None:
        """Write the tag frame into the room kept for it; the file position ends at the end."""
        self.scan.finish()
        frame = tag_frame(self.scan, samples, source_rate, quality)
        end = self.handle.tell()
        self.handle.seek(self._start)
        self.handle.write(frame)
        self.handle.seek(end)


__all__ = ["ENCODER_DELAY", "FrameHeader", "FrameScan", "TaggedStream", "crc16", "parse_header", "tag_frame",
           "tag_length"]
