"""Markdown outlines: a title, sections and the key points under them.

`parse_outline` is forgiving, because outlines are sketches: any heading style (`#` to
`######`, `Title` underlined with `===`/`---`), bullets (`-`, `*`, `+`, `•`, `・`, `1.`,
`1)`, `1、`, `一、`, task boxes), nested bullets as sub-points, plain paragraphs as notes,
CRLF, tabs, full-width and zero-width spaces, front matter. The rules:

- The title is the first level-1 heading, wherever it is (`#Title` without a space counts).
  Without one, a short first line that is not a sentence is the title ("Why remote work
  works" above a list); otherwise the title is "".
- Every other heading is a section, in order. Section levels are shifted so the highest
  section is level 2 (`##`), the level it has in the article under the `#` title.
- Text before the first section heading (bullets or paragraphs) becomes an untitled lead
  section (heading ""), which drafts as the article's opening paragraphs.
- With no section headings at all, each top-level bullet is a section whose sub-bullets are
  its points; a title alone (or a title with only notes) is one untitled section.
- Nothing to write about (no title, no headings, no non-blank bullets or notes) raises
  `OutlineError` with a message for the user.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?=[^#]|$)[ \t]*(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-{2,})[ \t]*$")
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
# A bullet marker, then a space, or straight into CJK text (common in CJK outlines).
_BULLET = re.compile(
    r"^(?P<indent>[ \t]*)"
    r"(?P<marker>[-*+•・●◦▪‣]|\d{1,9}[.)、．]|[（(]\d{1,9}[)）]|[一二三四五六七八九十]{1,3}、)"
    r"(?:[ \t]+|$|(?=[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]))(?P<text>.*)$"
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TASK_BOX = re.compile(r"^\[[ xX]\][ \t]+")
_FRONT_MATTER_KEY = re.compile(r"^[\w-]+\s*:")
TAB_WIDTH = 4
EMPTY_MESSAGE = (
    "The outline is empty. Write a title (# Title), section headings (## Section) "
    "and bullet points (- point) for each section."
)


class OutlineError(ValueError):
    """An outline that cannot be drafted; the message is meant for the user."""


@dataclass(frozen=True)
class Point:
    """One key point (a bullet or a note), with its sub-points."""

    text: str
    children: tuple[Point, ...] = ()

    def lines(self, depth: int = 0) -> Iterator[str]:
        """This point and its sub-points as Markdown bullet lines."""
        yield f"{'  ' * depth}- {self.text}"
        for child in self.children:
            yield from child.lines(depth + 1)


@dataclass(frozen=True)
class Section:
    """A section to write: its heading (empty for the untitled lead), level and points."""

    heading: str
    level: int = 2
    points: tuple[Point, ...] = ()

    def point_lines(self) -> list[str]:
        """The points as Markdown bullet lines, sub-points indented."""
        return [line for point in self.points for line in point.lines()]


@dataclass(frozen=True)
class Outline:
    """A parsed outline: the article's title and its sections in order."""

    title: str
    sections: tuple[Section, ...]

    def to_markdown(self) -> str:
        """The outline in canonical Markdown (parsing it again gives the same outline)."""
        blocks = [f"# {self.title}"] if self.title else []
        for section in self.sections:
            if section.heading:
                lines = [f"{'#' * section.level} {section.heading}", *section.point_lines()]
                blocks.append("\n".join(lines))
            elif len(self.sections) > 1:
                blocks.append("\n".join(section.point_lines()))
            else:  # plain lines: bullets without headings would each become a section
                blocks += ["\n".join(p.lines())[2:] for p in section.points]
        return "\n\n".join(b for b in blocks if b) + "\n"

    def has_subsections(self, index: int) -> bool:
        """Whether the section at `index` is followed by deeper sections (its subsections)."""
        following = self.sections[index + 1 : index + 2]
        return bool(following) and following[0].level > self.sections[index].level

    def needs_prose(self, index: int) -> bool:
        """Whether a section gets prose: all do, except a heading without points that only
        groups subsections (its subsections carry the content)."""
        return bool(self.sections[index].points) or not self.has_subsections(index)


def clean_text(text: str) -> str:
    """One line of outline text with invisible characters dropped and spaces collapsed."""
    return " ".join(_INVISIBLE.sub("", text).split())


# --- parsing -----------------------------------------------------------------------------


@dataclass
class _Node:
    text: str
    indent: int
    note: bool = False  # a plain line rather than a bullet
    children: list[_Node] = field(default_factory=list)

    def freeze(self) -> Point:
        return Point(self.text, tuple(c.freeze() for c in self.children))


@dataclass
class _Block:
    """The lines under one heading (or before the first), while parsing."""

    heading: str | None  # None: text before the first heading
    level: int
    nodes: list[_Node] = field(default_factory=list)
    stack: list[_Node] = field(default_factory=list)
    after_text: bool = False  # whether the previous line was a bullet or paragraph line


def _lines(markdown: str) -> list[str]:
    text = _COMMENT.sub("", markdown.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_INVISIBLE.sub("", line).expandtabs(TAB_WIDTH).rstrip() for line in text.split("\n")]
    return _skip_front_matter(lines)


def _skip_front_matter(lines: list[str]) -> list[str]:
    """Drop a YAML front-matter block (`---` … `---`) at the very start."""
    if not lines or lines[0].strip() != "---":
        return lines
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            body = [line for line in lines[1:end] if line.strip()]
            if body and all(_FRONT_MATTER_KEY.match(line) or line[0] in " -" for line in body):
                return lines[end + 1 :]
            break
    return lines


def _add_bullet(block: _Block, indent: int, text: str) -> None:
    while block.stack and block.stack[-1].indent >= indent:
        block.stack.pop()
    node = _Node(text, indent)
    (block.stack[-1].children if block.stack else block.nodes).append(node)
    block.stack.append(node)


def _add_plain_line(block: _Block, indent: int, text: str) -> None:
    """A plain line continues the bullet or note just above it when it is indented under
    the bullet or starts in lower case (a wrapped sentence); otherwise it is a new note:
    in an outline, one line is one item."""
    top = block.stack[-1] if block.stack else None
    if block.after_text and top is not None and (indent > top.indent or text[0].islower()):
        top.text = f"{top.text} {text}"
        return
    while block.stack and block.stack[-1].indent >= indent:
        block.stack.pop()
    note = _Node(text, indent, note=True)
    (block.stack[-1].children if block.stack else block.nodes).append(note)
    block.stack.append(note)


def _blocks(lines: list[str]) -> list[_Block]:
    blocks = [_Block(None, 0)]
    in_fence = False
    for line in lines:
        block = blocks[-1]
        if _FENCE.match(line):
            in_fence = not in_fence
            block.after_text = False
            continue
        heading = None if in_fence else _ATX.match(line)
        setext = None if in_fence else _SETEXT.match(line)
        bullet = None if in_fence else _BULLET.match(line)
        if heading and clean_text(heading.group(2)):
            blocks.append(_Block(clean_text(heading.group(2)), len(heading.group(1))))
        elif heading:  # a heading with no text: its points stay with the section above
            block.after_text = False
        elif setext and block.after_text and block.stack and block.stack[-1].note:
            # `Title` underlined with === or ---: the note just added was a heading.
            note = block.stack.pop()
            block.nodes.remove(note)
            blocks.append(_Block(note.text, 1 if setext.group(1)[0] == "=" else 2))
        elif not line.strip() or _BREAK.match(line):
            block.after_text = False
        elif bullet:
            text = clean_text(_TASK_BOX.sub("", bullet.group("text").strip()))
            if text:
                _add_bullet(block, len(bullet.group("indent")), text)
            block.after_text = bool(text)
        else:
            _add_plain_line(block, len(line) - len(line.lstrip()), clean_text(line))
            block.after_text = True
    return blocks


def _frozen(nodes: list[_Node]) -> tuple[Point, ...]:
    return tuple(node.freeze() for node in nodes)


def _is_title_like(node: _Node) -> bool:
    """A short line that is not a sentence: reads as a title when it opens the outline."""
    text = node.text
    return (
        node.note
        and not node.children
        and len(text.split()) <= 12
        and len(text) <= 80
        and not text.endswith((".", "!", "?", "。", "！", "？", ":", "："))
    )


def parse_outline(markdown: str) -> Outline:
    """Parse a Markdown outline. Raises OutlineError if there is nothing to write about."""
    blocks = _blocks(_lines(markdown))
    lead, headed = blocks[0], blocks[1:]
    title_block = next((b for b in headed if b.level == 1), None)
    title = (title_block.heading or "") if title_block else ""
    # Points under the title belong to the lead, as do lines before it.
    lead_nodes = lead.nodes + (title_block.nodes if title_block else [])
    others = [b for b in headed if b is not title_block]
    opening = lead_nodes[0] if lead_nodes else None
    if not title and opening and _is_title_like(opening) and (len(lead_nodes) > 1 or others):
        title, lead_nodes = opening.text, lead_nodes[1:]
    if others:
        shift = 2 - min(b.level for b in others)
        sections = [
            Section(b.heading or "", min(6, b.level + shift), _frozen(b.nodes)) for b in others
        ]
        if lead_nodes:
            sections.insert(0, Section("", 2, _frozen(lead_nodes)))
    else:
        sections = _sections_from_bullets(lead_nodes, bool(title))
    if not title and not sections:
        raise OutlineError(EMPTY_MESSAGE)
    return Outline(title, tuple(sections))


def _sections_from_bullets(nodes: list[_Node], has_title: bool) -> list[Section]:
    """No section headings: each top-level bullet is a section, its sub-bullets the points.
    Notes before the first bullet are the untitled lead; later notes join the section above.
    Only notes (or nothing) under a title: one untitled section."""
    if not any(not n.note for n in nodes):
        return [Section("", 2, _frozen(nodes))] if nodes or has_title else []
    lead: list[_Node] = []
    sections: list[tuple[str, list[_Node]]] = []
    for node in nodes:
        if not node.note:
            sections.append((node.text, list(node.children)))
        elif sections:
            sections[-1][1].append(node)
        else:
            lead.append(node)
    out = [Section(heading, 2, _frozen(points)) for heading, points in sections]
    return [Section("", 2, _frozen(lead)), *out] if lead else out
