"""Build the addon's README.rst from its readme/ fragments (standard library only).

The fragments (DESCRIPTION, CONFIGURE, USAGE, ROADMAP) are written in the subset of
Markdown that is also reStructuredText but for single-backtick code, Markdown links
and nested lists without blank lines around them; this converts those three.
``./dev readme`` writes README.rst; ``./dev test``'s lint checks it is up to date.
"""

import re
from pathlib import Path

SECTIONS = (
    ("Configuration", "CONFIGURE"),
    ("Usage", "USAGE"),
    ("Known issues / Roadmap", "ROADMAP"),
)
WORD = re.compile(r"[A-Za-z0-9]")


def _literals(text):
    """`code` -> ``code``, escaped where it touches a word (rst needs a boundary)."""
    out, pos = [], 0
    for match in re.finditer(r"(?<!`)`([^`\n]+?)`(?![`_])", text):
        before = text[pos : match.start()]
        literal = f"``{match.group(1)}``"
        if before and WORD.match(before[-1]):
            literal = "\\ " + literal
        after = text[match.end() : match.end() + 1]
        if after and WORD.match(after):
            literal += "\\ "
        out += [before, literal]
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _indent(line):
    return len(line) - len(line.lstrip())


def _item_above(lines):
    """The last bullet line of the paragraph ending ``lines``, or None."""
    for line in reversed(lines):
        if not line.strip():
            return None
        if line.lstrip().startswith("- "):
            return line
    return None


def _nested_lists(text):
    """A blank line where a list nests deeper or comes back to the top level."""
    out = []
    for line in text.split("\n"):
        if line.lstrip().startswith("- ") and out and out[-1].strip():
            above = _item_above(out)
            if above is not None and _indent(above) != _indent(line):
                out.append("")
        out.append(line)
    return "\n".join(out)


def convert(markdown):
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`__", markdown)
    return _nested_lists(_literals(text))


def build(addon_dir):
    readme = Path(addon_dir) / "readme"
    manifest = (Path(addon_dir) / "__manifest__.py").read_text()
    name = re.search(r'"name":\s*"([^"]+)"', manifest).group(1)
    bar = "=" * len(name)
    parts = [
        f"{bar}\n{name}\n{bar}\n",
        (
            ".. This file is built from the fragments in readme/ (DESCRIPTION, "
            "CONFIGURE,\n   USAGE, ROADMAP) by `./dev readme`; edit those.\n"
        ),
        convert((readme / "DESCRIPTION.md").read_text().strip()) + "\n",
        ".. contents::\n   :local:\n",
    ]
    for title, fragment in SECTIONS:
        body = convert((readme / f"{fragment}.md").read_text().strip())
        parts.append(f"{title}\n{'=' * len(title)}\n\n{body}\n")
    return "\n".join(parts)
