"""Parse HTML/XHTML without losing text silently: bounded nesting, and a second opinion.

libxml2 gives up quietly on hostile markup. Its HTML parser stops at nesting depth 256 (2048
with ``huge_tree``) and at text nodes over 10,000,000 characters, drops everything after
``</html>``, and "recovers" by returning what it had. So every document parsed here is checked
twice before narrator reads it:

* nesting: no element deeper than `MAX_DEPTH` (narrator's own bound, well below libxml2's);
* completeness: the letters and digits in the parsed tree are counted and compared with an
  independent count made by `markup_letters`, a small linear HTML5-style tokenizer. If the
  tree holds fewer, the parser lost text and the document is refused with `MarkupError`.

The XML parser (used for well-formed XHTML) never recovers: it parses everything or raises.
"""
from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree

from ..errors import IngestError

MAX_DEPTH = 1000
"""Deepest element nesting narrator reads. Real books nest fewer than 50 levels; libxml2's
parsers stop at 2048 even with ``huge_tree``, and only half-say so."""

PARAGRAPH_MARK = "\u2029"
"""Put after every block end tag before HTML parsing; the reader splits paragraphs there."""
BLOCK_NAMES = (  # block elements other than html and body
    "address", "article", "aside", "blockquote", "caption", "center", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "legend", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul",
)
_BLOCK_END = re.compile(rf"</(?:{'|'.join(BLOCK_NAMES)})\s*>", re.IGNORECASE)
_HTML_END = re.compile(r"</(?:html|body)\s*>", re.IGNORECASE)
_LIMIT_ERRORS = {"ERR_RESOURCE_LIMIT", "ERR_NO_MEMORY", "ERR_INTERNAL_ERROR"}


class MarkupError(IngestError):
    """A document nests too deep, or the parser could not keep all of its text."""


def parse_markup(text: str, *, xml_first: bool) -> etree._Element:
    """Parse a document; XHTML with the XML parser when it is well formed, else forgiving HTML.

    Raises `MarkupError` when the document nests deeper than `MAX_DEPTH` or when the parser
    would lose any of its text; `IngestError` when it cannot be parsed at all.
    """
    if xml_first:
        try:
            root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(
                encoding="utf-8", resolve_entities=False, no_network=True, huge_tree=True))
        except etree.XMLSyntaxError:
            pass  # undeclared entities (&nbsp;) or sloppy markup: the HTML parser copes
        else:
            check_depth(root)
            return root
    # libxml2 drops a stray end tag ("<p>a<div>b</div>c</p>d" → "cd"): mark every block end so
    # the text on either side stays in separate paragraphs whatever the parser does with the tag.
    # It also drops all text after </html> and puts text after </body> outside the body: both
    # end tags are optional in HTML, so they are left out.
    markup = _HTML_END.sub("", _BLOCK_END.sub(lambda m: m.group(0) + PARAGRAPH_MARK, text))
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
    try:
        root = lxml.html.document_fromstring(markup.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError) as e:
        raise IngestError(f"Could not parse the HTML ({e}).") from e
    limits = [e for e in parser.error_log if e.type_name in _LIMIT_ERRORS]
    if limits:
        if "depth" in limits[0].message.lower():
            raise _too_deep()
        raise MarkupError(f"the HTML parser stopped early ({limits[0].message.strip()}), so text would be lost")
    check_depth(root)
    seen, kept = markup_letters(markup), letters("".join(root.itertext()))
    if kept < seen:
        raise MarkupError(f"the HTML parser kept {kept:,} of its {seen:,} letters and digits, so text would be "
                          "lost; repair the markup (open and re-save it in an editor such as Calibre) or "
                          "convert it to plain text")
    return root


def check_depth(root: etree._Element) -> None:
    """Raise `MarkupError` when an element of the tree is nested deeper than `MAX_DEPTH`."""
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            raise _too_deep()


def _too_deep() -> MarkupError:
    return MarkupError(f"elements are nested more than {MAX_DEPTH} deep (real books use fewer than 50 levels); "
                       "the file is damaged or made to break readers: repair it or convert it to plain text")


_ASCII_NOT_ALNUM = bytes(b for b in range(128) if not chr(b).isalnum())
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def letters(text: str) -> int:
    """Letters and digits in `text` (what a parser must not lose; whitespace it may fold).
    ASCII is counted in C; only the non-ASCII characters go through Python."""
    ascii_alnum = len(text.encode("ascii", "ignore").translate(None, _ASCII_NOT_ALNUM))
    return ascii_alnum + sum(map(str.isalnum, "".join(_NON_ASCII.findall(text))))


# --- the independent count: an HTML5-style tokenizer, linear in the input --------------------------

_RAW_TEXT = ("script", "style", "xmp", "iframe", "noembed", "noframes", "title", "textarea")
"""Elements whose content is text up to their end tag (the last two decode entities)."""
_RAW_END = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in _RAW_TEXT}
_TAG = re.compile(
    r"""<(/?)([A-Za-z][^\t\n\f\r />]*)"""           # "<" or "</", the tag name
    r"""(?:[^>"'=]+|=\s*(?:"[^"]*(?:"|\Z)|'[^']*(?:'|\Z))|=|["'])*"""  # attributes, quoted values
    r"""(?:>|\Z)"""                                    # a tag left open at the end is dropped
)
_COMMENT_END = re.compile(r"--!?>")


def markup_letters(markup: str) -> int:
    """Letters and digits of the text a browser would show for `markup` (scripts and styles
    included, tags, comments and attributes not), entities decoded."""
    pieces: list[str] = []
    position, size = 0, len(markup)
    while position < size:
        lt = markup.find("<", position)
        if lt < 0:
            pieces.append(html.unescape(markup[position:]))
            break
        pieces.append(html.unescape(markup[position:lt]))
        position = _after_markup(markup, lt, pieces)
    return letters("".join(pieces))


def _after_markup(markup: str, lt: int, pieces: list[str]) -> int:
    """Skip the tag, comment or declaration at `lt` (adding any raw text it opens to `pieces`)
    and return where ordinary text resumes."""
    if markup.startswith("<!--", lt):
        if markup.startswith((">", "->"), lt + 4):  # "<!-->" and "<!--->" are empty comments
            return markup.index(">", lt + 4) + 1
        comment_end = _COMMENT_END.search(markup, lt + 4)
        return comment_end.end() if comment_end else len(markup)
    tag = _TAG.match(markup, lt)
    if tag is not None:
        name = tag.group(2).lower()
        if tag.group(1) or name not in _RAW_END and name != "plaintext":
            return tag.end()
        close = _RAW_END[name].search(markup, tag.end()) if name != "plaintext" else None
        content = markup[tag.end() : close.start() if close else len(markup)]
        pieces.append(html.unescape(content) if name in ("title", "textarea") else content)
        return close.start() if close else len(markup)
    if markup.startswith("</>", lt):
        return lt + 3
    if markup.startswith(("<!", "<?", "</"), lt) and lt + 2 < len(markup):  # a bogus comment
        gt = markup.find(">", lt + 2)
        return gt + 1 if gt >= 0 else len(markup)
    pieces.append("<")  # "a < b": a plain character
    return lt + 1
