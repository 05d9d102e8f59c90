#!/usr/bin/env python3
"""Reads a scenario HTML report as a browser's parser would and prints
what it holds, one fact a line: "row FILE:LINE<TAB>NAME<TAB>STATUS<TAB>MSG",
"svg SECTION-FILE CAPTION", "tag TAG" for script/link/iframe/img/object,
"attr NAME=VALUE" for any attribute reaching outside (src, href), and
"error ..." when the tags do not balance."""
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "img", "link", "input", "hr"}


class Report(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.facts = [], []
        self.cells, self.cell, self.in_row = [], None, False
        self.h2, self.caption, self.text_of = "", "", None
        self.buf = ""

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "link", "iframe", "img", "object", "embed"):
            self.facts.append("tag " + tag)
        for k, v in attrs:
            if k in ("src", "href") or k.startswith("on"):
                self.facts.append("attr %s=%s" % (k, v))
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "tr":
            self.in_row, self.cells = True, []
        elif tag in ("td", "th") and self.in_row:
            self.cell = ""
        elif tag in ("h2", "figcaption"):
            self.text_of, self.buf = tag, ""
        elif tag == "svg":
            self.facts.append("svg %s %s" % (self.h2, self.caption))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.facts.append("error </%s> closes %s" % (tag, self.stack[-1:]))
            return
        self.stack.pop()
        if tag in ("td", "th") and self.cell is not None:
            self.cells.append(self.cell.strip())
            self.cell = None
        elif tag == "tr":
            self.in_row = False
            if self.cells and self.cells[0] != "Line":
                self.facts.append("row " + "\t".join(self.cells))
        elif tag == self.text_of:
            if tag == "h2":
                self.h2 = self.buf
            else:
                self.caption = self.buf
            self.text_of = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.text_of is not None:
            self.buf += data


p = Report()
with open(sys.argv[1], encoding="utf-8") as f:
    p.feed(f.read())
p.close()
if p.stack:
    p.facts.append("error unclosed %s" % p.stack)
print("\n".join(p.facts))
