#!/usr/bin/env python3
"""tests/docs/extract.py DOC OUTDIR: write each shell example of DOC (a
man page or README.md) to OUTDIR/NNN.sh, its documented output, when the
example shows one, to OUTDIR/NNN.out, and its place to OUTDIR/NNN.at.

An example is a block (an indented block of README.md, a .nf/.fi or
.EX/.EE block of a man page) whose first line is a command: "$ " or a
word that runs a program (cdp, cdp-*, parallel, ls, split, for, tail,
cat, seq) or "set" (set -o pipefail); the whole block is one script.  In README.md, the lines that
are not "$ " commands (or their continuations) are the output.  A block
with "..." in a command is a sketch with the options left out, and is
not run."""
import os
import re
import sys

COMMANDS = re.compile(r"^(\$ |cdp(-[a-z]+)?\s|parallel\s|ls\s|split\s|"
                      r"for\s|tail\s|cat\s|seq\s|set\s)")


def unroff(s):
    """The text of a man page line as it reads."""
    for a, b in ((r"\e", "\\"), (r"\-", "-"), (r"\(aq", "'"),
                 (r"\(dq", '"'), (r"\(em", "--"), (r"\&", ""),
                 (r"\fB", ""), (r"\fI", ""), (r"\fR", ""), (r"\fP", "")):
        s = s.replace(a, b)
    return s


def man_blocks(text):
    block, start = None, 0
    for n, line in enumerate(text.split("\n"), 1):
        if line in (".nf", ".EX"):
            block, start = [], n + 1
        elif line in (".fi", ".EE"):
            if block is not None:
                yield start, block
            block = None
        elif block is not None and not line.startswith("."):
            block.append(unroff(line))


def readme_blocks(text):
    lines = text.split("\n")
    block, start = None, 0
    for n, line in enumerate(lines, 1):
        if line.startswith("    ") and (block is not None or line.strip()):
            if block is None:
                block, start = [], n
            block.append(line[4:])
        elif block is not None and not line.strip() and n < len(lines) \
                and lines[n].startswith("    "):
            block.append("")
        elif block is not None:
            yield start, block
            block = None
    if block is not None:
        yield start, block


def commands(block):
    """The block as one script and the lines it shows as output (the
    lines that are not "$ " commands or their continuations), or None."""
    if not any(l.startswith("$ ") for l in block):
        return "\n".join(block), None
    cmds, out, cont = [], [], False
    for line in block:
        if line.startswith("$ ") or cont:
            text = line[2:] if line.startswith("$ ") else line
            cmds.append(text)
            cont = text.endswith("\\") or text.rstrip().endswith("|")
        elif line.strip():
            out.append(line)
    return "\n".join(cmds), out or None


def main():
    doc, outdir = sys.argv[1], sys.argv[2]
    text = open(doc, encoding="utf-8").read()
    blocks = readme_blocks(text) if doc.endswith(".md") else \
        man_blocks(text)
    os.makedirs(outdir, exist_ok=True)
    k = 0
    for start, block in blocks:
        first = next((l for l in block if l.strip()), "")
        if not COMMANDS.match(first) or re.match(r"^\S+:", first):
            continue
        cmd, out = commands(block)
        if "..." in cmd:
            continue
        k += 1
        base = os.path.join(outdir, "%03d" % k)
        with open(base + ".sh", "w", encoding="utf-8") as f:
            f.write(cmd.rstrip() + "\n")
        with open(base + ".at", "w", encoding="utf-8") as f:
            f.write("%s:%d\n" % (os.path.basename(doc), start))
        if out:
            with open(base + ".out", "w", encoding="utf-8") as f:
                f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
