#!/usr/bin/env python3
"""Reads an .xlsx workbook back with the standard library only (zipfile, xml.etree), for
the tests of owed's workbooks: a second reader, independent of the library that wrote it.

    xlsx_cells.py FILE          prints every sheet's cells, one row a line, as JSON

As a module: read(path) returns {sheet name: Sheet} in the workbook's order, where a Sheet
has .rows (a list of rows, each a list of Cell or None, row 1 first), .autofilter (the
range, "A1:J6", or None) and .frozen_rows (rows frozen at the top). A Cell has .kind
("text" or "number"), .value (the text, or the number as written in the XML: a string, so
that no float rounding happens here), .fmt (the number format's code: "General",
"[$USD] #,##0.00", "yyyy-mm-dd") and .bold. number_at(cell, decimals) gives the number as
a decimal string with that many decimals, rounded half-even, and date_of(cell) the
YYYY-MM-DD of an Excel date serial.
"""
import datetime
import decimal
import json
import posixpath
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
BUILTIN = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 14: "mm-dd-yy"}


class Cell:
    def __init__(self, kind, value, fmt, bold):
        self.kind, self.value, self.fmt, self.bold = kind, value, fmt, bold

    def __repr__(self):
        return "Cell(%s %r %r%s)" % (self.kind, self.value, self.fmt, " bold" if self.bold else "")

    def as_json(self):
        return {"kind": self.kind, "value": self.value, "fmt": self.fmt, "bold": self.bold}


class Sheet:
    def __init__(self):
        self.rows, self.autofilter, self.frozen_rows = [], None, 0


def _ref(ref):
    m = re.fullmatch(r"([A-Z]+)([0-9]+)", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _text(el):
    return "".join(t.text or "" for t in el.iter("{%s}t" % M))


def read(path):
    z = zipfile.ZipFile(path)
    bad = z.testzip()
    assert bad is None, "corrupt zip member %s" % bad
    names = set(z.namelist())
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.iter("{%s}Relationship" % PR)}
    st = ET.fromstring(z.read("xl/styles.xml"))
    fmts = dict(BUILTIN)
    for n in st.iter("{%s}numFmt" % M):
        fmts[int(n.get("numFmtId"))] = n.get("formatCode")
    fonts = [f.find("{%s}b" % M) is not None for f in st.find("{%s}fonts" % M)]
    xfs = [(int(x.get("numFmtId", "0")), int(x.get("fontId", "0")))
           for x in st.find("{%s}cellXfs" % M)]
    sst = []
    if "xl/sharedStrings.xml" in names:
        sst = [_text(si) for si in ET.fromstring(z.read("xl/sharedStrings.xml"))]
    out = {}
    for s in wb.find("{%s}sheets" % M):
        part = posixpath.normpath(posixpath.join("xl", target[s.get("{%s}id" % R)]))
        ws = ET.fromstring(z.read(part))
        sheet = Sheet()
        for c in ws.iter("{%s}c" % M):
            r, col = _ref(c.get("r"))
            numfmt, font = xfs[int(c.get("s", "0"))]
            t = c.get("t", "n")
            v = c.find("{%s}v" % M)
            if t == "inlineStr":
                kind, value = "text", _text(c.find("{%s}is" % M))
            elif t == "s":
                kind, value = "text", sst[int(v.text)]
            elif t in ("str", "e", "b"):
                kind, value = t, v.text if v is not None else ""
            else:
                if v is None:  # a styled blank cell
                    continue
                kind, value = "number", v.text
            while len(sheet.rows) <= r:
                sheet.rows.append([])
            row = sheet.rows[r]
            while len(row) <= col:
                row.append(None)
            row[col] = Cell(kind, value, fmts.get(numfmt, "?%d" % numfmt), fonts[font])
        af = ws.find("{%s}autoFilter" % M)
        sheet.autofilter = af.get("ref") if af is not None else None
        pane = ws.find(".//{%s}pane" % M)
        if pane is not None and pane.get("state") == "frozen":
            sheet.frozen_rows = int(float(pane.get("ySplit", "0")))
        out[s.get("name")] = sheet
    return out


def number_at(cell, decimals):
    assert cell is not None and cell.kind == "number", cell
    q = decimal.Decimal(1).scaleb(-decimals)
    return str(decimal.Decimal(cell.value).quantize(q, rounding=decimal.ROUND_HALF_EVEN))


def date_of(cell):
    # Serial 1 is 1900-01-01 and Excel counts a phantom 1900-02-29: from serial 61 on,
    # day n is 1899-12-30 + n.
    assert cell is not None and cell.kind == "number" and int(cell.value) >= 61, cell
    return (datetime.date(1899, 12, 30) + datetime.timedelta(days=int(cell.value))).isoformat()


if __name__ == "__main__":
    for name, sheet in read(sys.argv[1]).items():
        print("== %s (autofilter %s, frozen rows %d)" % (name, sheet.autofilter, sheet.frozen_rows))
        for row in sheet.rows:
            print(json.dumps([c.as_json() if c else None for c in row], ensure_ascii=False))
