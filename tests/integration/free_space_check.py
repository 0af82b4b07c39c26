#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Looks for text left in the free space of an SQLite file (a GeoPackage): in every b-tree page
the gap between the cell pointers and the cells and the page's free blocks, and every page of
the freelist. Rows that SQLite deleted, or moved between pages as its b-trees grew, stay there
unless secure_delete is on. Reads the file's bytes itself, with SQLite's dbstat table only to
tell which pages are b-tree pages.

Usage: free_space_check.py FILE. Prints each piece of text found (page, where, the text) and
exits 1 when there is any; a run of 8 or more printable ASCII bytes counts as text (the stale
2-byte cell pointers SQLite leaves in the gap make shorter runs)."""
import re
import sqlite3
import struct
import sys

TEXT = re.compile(rb"[ -~]{8,}")


def main(path):
    data = open(path, "rb").read()
    page_size = struct.unpack(">H", data[16:18])[0]
    if page_size == 1:
        page_size = 65536

    def page(number):
        return data[(number - 1) * page_size:number * page_size]

    found = []
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    btree = db.execute("SELECT name, pageno FROM dbstat WHERE pagetype IN ('internal', 'leaf')")
    for name, number in btree.fetchall():
        p = page(number)
        h = 100 if number == 1 else 0
        header = 12 if p[h] in (2, 5) else 8
        cells = struct.unpack(">H", p[h + 3:h + 5])[0]
        content = struct.unpack(">H", p[h + 5:h + 7])[0] or 65536
        free = [("gap", p[h + header + 2 * cells:content])]
        block = struct.unpack(">H", p[h + 1:h + 3])[0]
        while block:
            following, size = struct.unpack(">HH", p[block:block + 4])
            free.append(("free block at %d" % block, p[block + 4:block + size]))
            block = following
        for where, space in free:
            found += [(number, "%s, %s" % (name, where), t) for t in TEXT.findall(space)]
    # The freelist: trunk pages list leaf pages; neither should hold anything else.
    trunk = struct.unpack(">I", data[32:36])[0]
    while trunk:
        p = page(trunk)
        following, leaves = struct.unpack(">II", p[:8])
        found += [(trunk, "freelist trunk", t) for t in TEXT.findall(p[8 + 4 * leaves:])]
        for i in range(leaves):
            leaf = struct.unpack(">I", p[8 + 4 * i:12 + 4 * i])[0]
            found += [(leaf, "freelist leaf", t) for t in TEXT.findall(page(leaf))]
        trunk = following
    for number, where, text in found:
        print("%s: page %d (%s): %r" % (path, number, where, text[:80]))
    print("%s: %d piece(s) of text in free space" % (path, len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
