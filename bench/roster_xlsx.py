#!/usr/bin/python3
"""Converts a CSV roster (bench/roster_gen's) into an .xlsx as a registrar's workbook holds it, for
bench/batch-bench.sh: 学号 as numbers, dates as real date cells in the Chinese format
yyyy"年"m"月"d"日", ID numbers and the other text as strings.

By default openpyxl in write-only mode, so that memory stays flat: it writes every string inline,
each non-ASCII character as a character reference (&#23398;), a heavier sheet than Excel's.
Needs Debian's python3-openpyxl (the system /usr/bin/python3).

--shared-strings writes the parts the way Excel does instead (Python's zipfile and XML escaping,
no openpyxl): every string once in xl/sharedStrings.xml (raw UTF-8, in the order of first use,
count and uniqueCount), cells `<c r="B2" t="s"><v>7</v></c>`, numbers without a type, rows with
`spans` and Excel 2010's `x14ac:dyDescent`, dates as serials of cell format 1 (numFmt 176).

Usage: roster_xlsx.py [--shared-strings] roster.csv roster.xlsx"""
import csv
import datetime
import re
import sys
import zipfile
from xml.sax.saxutils import escape, quoteattr

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


def column_letters(k):
    s = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        s = chr(65 + r) + s
    return s


NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."


def shared_strings_workbook(source, target):
    strings = {}  # text -> index, in the order of first use
    count = 0
    epoch = datetime.date(1899, 12, 30)
    with open(source, encoding="utf-8-sig", newline="") as f:
        last_row = sum(1 for _ in csv.reader(f))  # for the dimension, which Excel writes first
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        with open(source, encoding="utf-8-sig", newline="") as f, z.open("xl/worksheets/sheet1.xml", "w") as out:
            rows = csv.reader(f)
            header = next(rows)
            width = len(header)
            out.write((DECL + f'<worksheet {NS} {NS_R} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
                       'mc:Ignorable="x14ac" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
                       f'<dimension ref="A1:{column_letters(width - 1)}{last_row}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/>'
                       '</sheetViews><sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/><sheetData>').encode())
            letters = [column_letters(k) for k in range(width)]
            buf = []
            for n, row in enumerate(_with_header(header, rows), start=1):
                cells = []
                for k, text in enumerate(row):
                    ref = f"{letters[k]}{n}"
                    if text == "":
                        continue
                    if n > 1 and header[k] == "学号" and text.isdigit() and len(text) < 16:
                        cells.append(f'<c r="{ref}"><v>{int(text)}</v></c>')
                    elif n > 1 and (d := as_date(text)) is not None:
                        cells.append(f'<c r="{ref}" s="1"><v>{(d - epoch).days}</v></c>')
                    else:
                        i = strings.get(text)
                        if i is None:
                            i = strings[text] = len(strings)
                        count += 1
                        cells.append(f'<c r="{ref}" t="s"><v>{i}</v></c>')
                buf.append(f'<row r="{n}" spans="1:{width}" x14ac:dyDescent="0.25">' + "".join(cells) + "</row>")
                if len(buf) >= 1000:
                    out.write("".join(buf).encode())
                    buf = []
            out.write(("".join(buf) + '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
                       'header="0.3" footer="0.3"/></worksheet>').encode())
        with z.open("xl/sharedStrings.xml", "w") as out:
            out.write((DECL + f'<sst {NS} count="{count}" uniqueCount="{len(strings)}">').encode())
            buf = []
            for text in strings:
                space = ' xml:space="preserve"' if text != text.strip() else ""
                buf.append(f"<si><t{space}>{escape(text)}</t></si>")
                if len(buf) >= 10000:
                    out.write("".join(buf).encode())
                    buf = []
            out.write(("".join(buf) + "</sst>").encode())
        z.writestr("[Content_Types].xml", DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   f'<Override PartName="/xl/workbook.xml" ContentType="{CT}sheet.main+xml"/>'
                   f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}worksheet+xml"/>'
                   f'<Override PartName="/xl/styles.xml" ContentType="{CT}styles+xml"/>'
                   f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}sharedStrings+xml"/></Types>')
        z.writestr("_rels/.rels", DECL + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{REL}officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", DECL + f'<workbook {NS} {NS_R}><workbookPr defaultThemeVersion="164011"/><sheets>'
                   f'<sheet name={quoteattr("名单")} sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", DECL + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId3" Type="{REL}sharedStrings" Target="sharedStrings.xml"/>'
                   f'<Relationship Id="rId2" Type="{REL}styles" Target="styles.xml"/>'
                   f'<Relationship Id="rId1" Type="{REL}worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/styles.xml", DECL + f'<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="176" '
                   'formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
                   '<fonts count="1"><font><sz val="11"/><color theme="1"/><name val="等线"/><family val="2"/>'
                   '<charset val="134"/><scheme val="minor"/></font></fonts>'
                   '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
                   '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                   '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                   '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
                   '<xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
                   '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _with_header(header, rows):
    yield header
    yield from rows


def main():
    args = sys.argv[1:]
    if args and args[0] == "--shared-strings":
        shared_strings_workbook(args[1], args[2])
        return
    source, target = args[0], args[1]
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
