#!/usr/bin/python3
"""Converts a CSV roster (bench/roster_gen's) into an .xlsx as a registrar's workbook holds it, for
bench/batch-bench.sh: 学号 as numbers, dates as real date cells in the Chinese format
yyyy"年"m"月"d"日", ID numbers and the other text as strings. openpyxl in write-only mode, so that
memory stays flat. Needs Debian's python3-openpyxl (the system /usr/bin/python3).
Usage: roster_xlsx.py roster.csv roster.xlsx"""
import csv
import datetime
import re
import sys

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import numbers

DATE = re.compile(r"^(\d{4})(?:[-/.年](\d{1,2})[-/.月](\d{1,2})日?|(\d{2})(\d{2}))$")


def as_date(text):
    m = DATE.match(text)
    if not m:
        return None
    y, mo, d = int(m[1]), int(m[2] or m[4]), int(m[3] or m[5])
    try:
        return datetime.date(y, mo, d)
    except ValueError:
        return None


def main():
    source, target = sys.argv[1], sys.argv[2]
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("名单")
    with open(source, encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        ws.append(header)
        for row in rows:
            out = []
            for k, text in enumerate(row):
                if text == "":
                    out.append(None)
                elif header[k] == "学号" and text.isdigit() and len(text) < 16:
                    out.append(int(text))
                elif (d := as_date(text)) is not None:
                    cell = WriteOnlyCell(ws, value=d)
                    cell.number_format = 'yyyy"年"m"月"d"日"'
                    out.append(cell)
                else:
                    out.append(text)
            ws.append(out)
    wb.save(target)


if __name__ == "__main__":
    main()
