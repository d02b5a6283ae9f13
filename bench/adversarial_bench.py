"""Hostile inputs of issue 10 at 1, 2 and 4 times their size: time, peak memory, growth.

    python bench/adversarial_bench.py [--only NAME ...] [--root CHECKOUT] [--timeout 300] [--scale 1.0]

Every case writes its input file(s) here, then reads them in a fresh child process (so the
input's construction is not measured) and reports the child's own time for the work and its
peak RSS (VmHWM: Linux's ru_maxrss would include the parent's size, inherited over fork).
The last lines are the growth per doubling of the size: time and memory ratios of 2x/1x
and 4x/2x; at most 2.2 means linear enough. A refused input ("error: …") is a success when
the finding asks for a one-line error: its time must stay flat.
`--root` measures another checkout (e.g. /work/main, the code before the fix); `--timeout`
stops a case that hangs there.

Cases (issue 10 findings 1, 3, 4 and 5):
  html_nested      400 nested <div><p> (x1: 240 levels, under the 1,000 bound)
  html_long_text   one <p> of 10.1 MB followed by <h1>Chapter 2</h1>
  xhtml_deep       XHTML nested 1,000 deep (refused)
  epub_css         small EPUB with a 256 MB stylesheet outside the spine
  epub_chapter     small EPUB whose chapter inflates to 128 MB (refused)
  epub_cover       EPUB with a noisy 2500x2500 JPEG cover (scaled for embedding)
  heading_spaces   "Chapter 1" followed by 80,000 spaces
  single_quotes    2 MB single-quote paragraph full of "dogs' "
  dash_dialogue    2 MB quotation-dash paragraph where every comma and dash may start a tag
  stray_double     2 MB double-quote paragraph of marks that can only open ('say "deed')
  lexicon_backtrack  '(a+)+$' on a line of 5,000 a's
  lexicon_doubling 26 rules '(.+)' -> '\\1\\1' on a 100-character line (refused)
  indented_text    10,000 words, hard-wrapped, indented paragraphs, no blank lines
  dry_run_chapters `render --dry-run` of a book of 500 short chapters
  long_paragraph   render (fake engine) of a 10,000-word one-paragraph chapter
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONTAINER = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
             '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
             '</rootfiles></container>')
OPF = """<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Bench</dc:title><dc:identifier id="id">x</dc:identifier>
<meta name="cover" content="cover"/></metadata><manifest>
<item id="ch1" href="ch1.xhtml" media-type="application/xhtml+xml"/>
<item id="css" href="style.css" media-type="text/css"/><item id="cover" href="cover.jpg" media-type="image/jpeg"/>
<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>
</manifest><spine toc="ncx"><itemref idref="ch1"/></spine></package>"""
NCX = ('<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><head/>'
       '<docTitle><text>Bench</text></docTitle><navMap/></ncx>')
CHAPTER = ('<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>c</title>'
           '</head><body><h1>Chapter 1</h1><p>{}The story goes on.</p></body></html>')


def write_epub(path: Path, *, css: int = 0, chapter: int = 0, cover: bytes = b"") -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", CONTAINER)
        z.writestr("OEBPS/content.opf", OPF)
        z.writestr("OEBPS/toc.ncx", NCX)
        head, tail = CHAPTER.split("{}")
        _stream(z, "OEBPS/ch1.xhtml", head.encode(), chapter, b"a", tail.encode())
        _stream(z, "OEBPS/style.css", b"p {}\n", css, b" ", b"")
        if cover:
            z.writestr("OEBPS/cover.jpg", cover)


def _stream(z: zipfile.ZipFile, name: str, head: bytes, size: int, fill: bytes, tail: bytes) -> None:
    block = fill * 2**22
    with z.open(name, "w", force_zip64=True) as member:
        member.write(head)
        left = size
        while left > 0:
            member.write(block[:left])
            left -= len(block)
        member.write(tail)


def noise_jpeg(side: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((side, side), 80).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def indented_text(words: int) -> str:
    sentence = '"Are you there?" she asked, and waited at the door of the old house for a long time.'.split()
    paragraphs, made = [], 0
    while made < words:
        count = 40 + (len(paragraphs) * 37) % 120
        body = " ".join((sentence * (count // len(sentence) + 1))[:count])
        lines = textwrap.wrap(body, 70)
        paragraphs.append("\n".join(["    " + lines[0], *lines[1:]]))
        made += count
    return "Chapter 1\n\n" + "\n".join(paragraphs) + "\n"


# --- the cases: (make input in `folder` at size factor k) -> code the child runs ----------------------

READ = "from narrator.ingest import read_book\nbook = read_book(Path({path!r}))\n"
SEGMENT = READ + "from narrator.segment import segment_book\nsegments = segment_book(book)\n"


def case_html_nested(folder: Path, k: float) -> tuple[str, str]:
    n = int(240 * k)
    body = "".join(f"<div><p>Paragraph {i}.</p>" for i in range(n)) + "</div>" * n
    path = folder / "nested.html"
    path.write_text(f"<html><body>{body}</body></html>")
    return READ.format(path=str(path)), f"result = str(book.text.count('Paragraph')) + ' of {n} paragraphs'"


def case_html_long_text(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "long.html"
    words = int(2_020_000 * k)
    path.write_text("<html><body><h1>Chapter 1</h1><p>" + "word " * words + "</p><h1>Chapter 2</h1><p>End.</p>"
                    "</body></html>")
    return READ.format(path=str(path)), "result = f'{len(book.chapters)} chapters, {len(book.text):,} chars'"


def case_xhtml_deep(folder: Path, k: float) -> tuple[str, str]:
    n = int(1000 * k)
    path = folder / "deep.xhtml"
    path.write_text('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>' + "<div>" * n
                    + "<p>Deep.</p>" + "</div>" * n + "</body></html>")
    return READ.format(path=str(path)), "result = f'{len(book.text)} chars'"


def case_epub_css(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "css.epub"
    write_epub(path, css=int(256 * 2**20 * k))
    return READ.format(path=str(path)), f"result = f'{{len(book.text)}} chars from a {path.stat().st_size:,} B file'"


def case_epub_chapter(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "bomb.epub"
    write_epub(path, chapter=int(128 * 2**20 * k))
    return READ.format(path=str(path)), "result = f'{len(book.text):,} chars'"


def case_epub_cover(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "cover.epub"
    cover = noise_jpeg(int(2500 * k**0.5))
    write_epub(path, cover=cover)
    return READ.format(path=str(path)), f"result = f'cover {len(cover):,} B -> {{len(book.cover or b\"\"):,}} B'"


def case_heading_spaces(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "heading.txt"
    path.write_text("Chapter 1" + " " * int(80_000 * k) + "\n\n" + "Story text. " * 20)
    return SEGMENT.format(path=str(path)), "result = f'{len(book.chapters)} chapter(s)'"


def _segment_text(path: Path, convention: str) -> tuple[str, str]:
    """Code that segments the file's text as one paragraph block in this dialogue convention."""
    code = (f"from narrator.segment import segment_text\ntext = Path({str(path)!r}).read_text()\n"
            f"segments = segment_text(text, {convention!r})\n")
    return code, "result = f'{len(segments)} segments'"


def case_single_quotes(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "single.txt"
    path.write_text("'Go " + "dogs' " * int(2 * 2**20 * k / 6) + "\n")
    return _segment_text(path, "single")


def case_dash_dialogue(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "dash.txt"
    path.write_text("—" + "Yes, no — maybe, the old —" * int(2 * 2**20 * k / 26) + "\n")
    return _segment_text(path, "dash")


def case_stray_double(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "stray.txt"
    path.write_text('"Go' + ' say "deed' * int(2 * 2**20 * k / 10) + "\n")
    return _segment_text(path, "double")


def case_lexicon_backtrack(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "evil.lexicon.toml"
    path.write_text("[[regex]]\npattern = '(a+)+$'\nreplace = 'b'\n")
    code = (f"from narrator.lexicon import load_lexicon\nlexicon = load_lexicon(Path({str(path)!r}))\n"
            f"said = lexicon.apply('a' * {int(5000 * k)} + '!')\n")
    return code, "result = f'{len(said)} chars'"


def case_lexicon_doubling(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "double.lexicon.toml"
    path.write_text("[[regex]]\npattern = '(.+)'\nreplace = '\\1\\1'\n" * 26)
    code = (f"from narrator.lexicon import load_lexicon\nlexicon = load_lexicon(Path({str(path)!r}))\n"
            f"said = lexicon.apply('x' * {int(100 * k)})\n")
    return code, "result = f'{len(said):,} chars'"


def case_dry_run_chapters(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "many.txt"
    path.write_text("".join(f'Chapter {i}\n\n"Is it far?" asked Anna. The boats rocked on the grey water.\n\n'
                            for i in range(1, int(500 * k) + 1)))
    code = (f"from narrator.pipeline import prepare\nfrom narrator.progress import print_plan\n"
            f"plan = prepare(Path({str(path)!r}), engine=preset_fake_engine(), output=Path({str(folder)!r}))\n"
            "print_plan(plan)\n")
    return code, "result = f'{len(plan.chapters)} chapters planned'"


def case_long_paragraph(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "paragraph.txt"
    sentence = "The keeper climbed the stair again and looked out over the dark water for a while. "
    path.write_text("Chapter 1\n\n" + sentence * int(10_000 * k / 16) + "\n")
    code = (f"from narrator.pipeline import render\n"
            f"done = render(Path({str(path)!r}), engine=preset_fake_engine(), jobs=1, subtitles='none',\n"
            f"              output=Path({str(folder)!r}) / 'out', cache_dir=Path({str(folder)!r}) / 'cache')\n")
    return code, "result = f'{done.audio_seconds / 60:.0f} min of audio'"


def case_indented_text(folder: Path, k: float) -> tuple[str, str]:
    path = folder / "indented.txt"
    path.write_text(indented_text(int(10_000 * k)))
    return SEGMENT.format(path=str(path)), \
        "result = f'{len({s.paragraph for c in segments.values() for s in c})} paragraphs'"


CASES: dict[str, Callable[[Path, float], tuple[str, str]]] = {
    name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")
}

CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
import narrator.ingest, narrator.lexicon, narrator.segment  # imports are not the work measured
import narrator.pipeline, narrator.progress
from tests.conftest import preset_fake_engine
started = time.perf_counter()
try:
{work}
{result}
except Exception as e:  # the finding asks for a one-line error: report it as the result
    kind = "error" if e.__class__.__module__.startswith("narrator") else "CRASH"
    result = f"{{kind}}: {{type(e).__name__}}: {{str(e)[-80:]}}"
seconds = time.perf_counter() - started
# this child's own peak RSS in MB. Linux carries ru_maxrss over fork and exec (it would start at
# the bench's own size), so VmHWM, the high-water mark of this address space, is read instead.
status = Path("/proc/self/status")
hwm = [line.split()[1] for line in status.read_text().splitlines() if line.startswith("VmHWM")] \
    if status.exists() else []
peak = int(hwm[0]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak": peak, "result": result}}))
"""


def run_child(code: str, timeout: float) -> tuple[float | None, float, str]:
    """(seconds or None when it did not finish, peak RSS in MB, result) of `code` in a fresh interpreter."""
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, 0.0, f"TIMEOUT after {timeout:.0f} s"
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return None, 0.0, "CRASH: " + (done.stderr.strip().splitlines() or ["?"])[-1][:100]
    data = json.loads(lines[-1])
    return data["seconds"], data["peak"], data["result"]


def indent(code: str) -> str:
    return textwrap.indent(code.strip(), "    ")


def ratio(a: float | None, b: float | None, floor: float) -> str:
    if a is None or b is None:
        return "  -  "
    return f"{max(b, floor) / max(a, floor):5.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=sorted(CASES), help="run these cases only")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to measure (default: this one)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a case counts as hung")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every base size (e.g. 0.25 for a quick run)")
    args = parser.parse_args()
    print(f"checkout: {args.root}   python {sys.version.split()[0]}   scale {args.scale:g}")
    print("time ratios use a 0.1 s floor; memory is the child's peak RSS (VmHWM), interpreter included")
    header = f"{'case':18} {'x':>2} {'seconds':>8} {'peak MB':>8}  result"
    print(header + "\n" + "-" * len(header))
    summary = []
    for name in args.only or CASES:
        rows = []
        for k in (1, 2, 4):
            with tempfile.TemporaryDirectory(prefix="adversarial-") as folder:
                work, result = CASES[name](Path(folder), k * args.scale)
                code = CHILD.format(root=str(args.root.resolve()), work=indent(work), result=indent(result))
                seconds, peak, outcome = run_child(code, args.timeout)
            rows.append((seconds, peak))
            shown = f"{seconds:8.3f}" if seconds is not None else f"{'>' + format(args.timeout, '.0f'):>8}"
            print(f"{name:18} {k:>2} {shown} {peak:8.0f}  {outcome}", flush=True)
        (t1, m1), (t2, m2), (t4, m4) = rows
        summary.append(f"{name:18} time {ratio(t1, t2, 0.1)} {ratio(t2, t4, 0.1)}   "
                       f"memory {ratio(m1, m2, 1)} {ratio(m2, m4, 1)}")
    print("\ngrowth per doubling (2x/1x, 4x/2x; <= 2.2 is linear enough)")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
