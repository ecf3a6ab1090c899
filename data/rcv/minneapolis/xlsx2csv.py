#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""xlsx2csv.py: the Minneapolis cast vote records (an ES&S export as an Excel
workbook, one row per ballot: Precinct, 1st, 2nd and 3rd choice, Count) as
the CSV of rankings that `tally rcv` reads (docs/methods-rcv.md, "Input").

    python3 xlsx2csv.py 2013_minneapolis_mayor_cvr.xlsx > 2013-ballots.csv

Only the Python standard library is used: an .xlsx file is a zip archive of
XML parts (ECMA-376 Part 1, SpreadsheetML): xl/sharedStrings.xml holds the
strings, xl/worksheets/sheet1.xml the cells, a cell of type "s" giving the
index of its string. The sheet (17 and 23 MB of XML here) is read with expat,
row by row.

What changes on the way:
  - each candidate's name becomes an id (tally ids are 1-64 characters of
    A-Z a-z 0-9 . _ - : / @): every run of other characters becomes "_"
    ("JAMES JIMMY L. STROUD, JR." -> "JAMES_JIMMY_L._STROUD_JR."); the
    script stops if two names would give the same id;
  - "undervote" (a skipped rank), "overvote" (an overvote of unknown
    candidates) and "UWI" (undeclared write-ins) are kept as they are; they
    mean the same to tally (with --write-in UWI);
  - the precinct is left out (a count of the whole city does not use it);
  - identical rankings are written once with their number of ballots (the
    'count' column: the sum of the Count cells), most frequent first, then in
    byte order of the ranks, so the output is the same on every run.
The script checks the header, that every row has the precinct and three
choices and a Count of 1 or more, and prints the number of ballots read to
standard error.
"""
import re
import sys
import zipfile
import xml.etree.ElementTree as ET
import xml.parsers.expat

NS = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'
KEEP = {'undervote', 'overvote', 'UWI'}


def fail(msg):
    sys.exit('xlsx2csv.py: ' + msg)


def col(ref):
    """The column letters of a cell reference ("C17" -> "C")."""
    return ref.rstrip('0123456789')


def sheet_rows(xml_bytes, strings):
    """The rows of a worksheet as (row number, {column: value}), read with
    expat (a cell's value is its <v>: an index into the shared strings when
    the cell's type t is "s", else the text itself)."""
    rows = []
    cells = {}
    cell = {'r': None, 't': None, 'v': None}
    text = []
    row = [None]

    def start(name, attrs):
        if name == 'row':
            row[0] = attrs.get('r')
            cells.clear()
        elif name == 'c':
            cell['r'], cell['t'], cell['v'] = attrs.get('r'), attrs.get('t'), ''
        elif name == 'v':
            text.clear()

    def end(name):
        if name == 'v':
            cell['v'] = ''.join(text)
            text.clear()
        elif name == 'c':
            v = cell['v']
            if cell['t'] == 's' and v != '':
                v = strings[int(v)]
            cells[col(cell['r'])] = v
        elif name == 'row':
            rows.append((row[0], dict(cells)))

    p = xml.parsers.expat.ParserCreate()
    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = text.append
    p.Parse(xml_bytes, True)
    return rows


def main():
    if len(sys.argv) != 2:
        fail('usage: xlsx2csv.py FILE.xlsx > FILE.csv')
    with zipfile.ZipFile(sys.argv[1]) as z:
        strings = [''.join(t.text or '' for t in si.iter(NS + 't'))
                   for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall(NS + 'si')]
        rows = sheet_rows(z.read('xl/worksheets/sheet1.xml'), strings)
    if not rows:
        fail('no rows')
    header = [rows[0][1].get(c, '') for c in 'ABCDE']
    if len(rows[0][1]) != 5 or header[0] != 'Precinct' or header[4].lower() != 'count':
        fail('unexpected header %r' % (header,))

    ids = {}
    groups = {}
    ballots = 0
    for rownum, cells in rows[1:]:
        n = cells.get('E', '')
        if not n.isdigit() or int(n) < 1 or not cells.get('A'):
            fail('row %s: no precinct or no Count of 1 or more' % rownum)
        ranks = []
        for letter in 'BCD':
            name = cells.get(letter, '')
            if name == '':
                fail('row %s: an empty choice %s' % (rownum, letter))
            if name in KEEP:
                ranks.append(name)
                continue
            cid = re.sub(r'[^A-Za-z0-9._-]+', '_', name).strip('_')
            if ids.setdefault(cid, name) != name:
                fail('%r and %r give the same id %r' % (ids[cid], name, cid))
            ranks.append(cid)
        key = tuple(ranks)
        groups[key] = groups.get(key, 0) + int(n)
        ballots += int(n)

    out = sys.stdout
    out.write('count,rank1,rank2,rank3\n')
    for key, n in sorted(groups.items(), key=lambda kv: (-kv[1], kv[0])):
        out.write('%d,%s\n' % (n, ','.join(key)))
    print('%d ballots, %d distinct rankings, %d candidates' % (ballots, len(groups), len(ids)),
          file=sys.stderr)


if __name__ == '__main__':
    main()
