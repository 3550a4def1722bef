#!/usr/bin/python3
"""The result workbook of `policy batch -o r.xlsx` and the roster template of `policy template`,
read back by independent readers: Debian's python3-openpyxl and LibreOffice (soffice).

Usage: xlsx_check.py result|libreoffice|template|stdout POLICY_BIN
Each mode runs the real binary in a temporary directory and asserts values, not just shapes.
Run with /usr/bin/python3: a pyenv interpreter lacks openpyxl.
"""

import csv
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    import openpyxl
except ImportError:
    sys.exit("xlsx_check: the openpyxl module is missing; install python3-openpyxl "
             "(scripts/install-deps.sh) and run with /usr/bin/python3")

AS_OF = datetime.date(2026, 9, 10)
# Rows chosen around AS_OF: overdue by years (000101), overdue by months (000103), due in 20 days
# (000102, 000107: within the default 30), due next year (000104), a bad date (000105, an
# error), a graduate with no discharge date (000106, unknown). 学号 with leading zeros, a comma
# in a note, an 18-digit ID number.
ROSTER = ("\ufeff学号,姓名,身份证号,退役日期,入伍时身份,发证日期,录取日期,备注\r\n"
          "000101,甲,110101199003078515,2016-05-10,在校生,,,早已逾期\r\n"
          "000102,乙,,2025/6/15,在校生,,2021-08-20,\"即将到期,有逗号\"\r\n"
          "000103,丙,,2024-02-29,在校生,,,\r\n"
          "000104,丁,,2026-03-01,新生,,,期限尚远\r\n"
          "000105,戊,,2023-02-29,在校生,,,日期不存在\r\n"
          "000106,己,,,,2025-06-30,2017-07-25,毕业生\r\n"
          "000107,庚,,2025年10月20日,新生,,,\r\n")

FILLS = {"overdue": "FFFFC7CE", "soon": "FFFFEB9C", "later": "FFC6EFCE", "error": "FFD9D9D9"}


def check(cond, what):
    if not cond:
        sys.exit("xlsx_check: FAILED: " + what)


def run(args, cwd, expect=(0, 3)):
    p = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(p.returncode in expect, "%s exited %d: %s" % (args, p.returncode, p.stderr.decode()))
    return p


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def fill(cell):
    return cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None


def result_run(policy, work, extra=()):
    with open(os.path.join(work, "roster.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(ROSTER)
    run([policy, "batch", "roster.csv", "--as-of", AS_OF.isoformat(), "-o", "r.csv"], work)
    p = run([policy, "batch", "roster.csv", "--as-of", AS_OF.isoformat(), "-o", "r.xlsx", *extra], work)
    return read_csv(os.path.join(work, "r.csv")), p.stderr.decode()


def check_result(policy, work):
    rows, stderr = result_run(policy, work)
    check("“需处理”表列出 5 行" in stderr, "the summary says where the workbook went and its worklist: " + stderr)
    wb = openpyxl.load_workbook(os.path.join(work, "r.xlsx"))
    check(wb.sheetnames == ["结果", "需处理", "汇总", "依据"], "sheet names: %s" % wb.sheetnames)
    ws = wb["结果"]
    check(ws.freeze_panes == "A2", "the header is frozen: %s" % ws.freeze_panes)
    header = [c.value for c in ws[1]]
    check(ws.auto_filter.ref == "A1:%s8" % openpyxl.utils.get_column_letter(len(header)),
          "the autofilter covers the header and every row: %s" % ws.auto_filter.ref)
    # The CSV's columns, with a 剩余天数 column after each deadline.
    csv_header = rows[0]
    days_cols = [i for i, h in enumerate(header) if h.startswith("剩余天数")]
    check(len(days_cols) == 2, "two deadlines, two 剩余天数 columns: %s" % header)
    check([h for i, h in enumerate(header) if i not in days_cols] == csv_header,
          "the columns are the CSV's: %s vs %s" % (header, csv_header))
    for i in days_cols:
        check(header[i] == "剩余天数（%s）" % header[i - 1], "剩余天数 names its deadline: %s" % header[i])
    check(ws.column_dimensions["A"].width >= 6, "column widths are set")
    check(ws.column_dimensions["Q"].width > ws.column_dimensions["B"].width,
          "a long column is wider than 姓名: %s vs %s" % (ws.column_dimensions["Q"].width, ws.column_dimensions["B"].width))
    status_col = header.index("状态")
    states = {}
    for r in range(2, 9):
        cells = list(ws[r])
        csv_row = rows[r - 1]
        values = [c.value for i, c in enumerate(cells) if i not in days_cols]
        for i, (v, text) in enumerate(zip(values, csv_row)):
            h = csv_header[i]
            cell = [c for k, c in enumerate(cells) if k not in days_cols][i]
            if isinstance(v, datetime.datetime):
                check(cell.number_format == 'yyyy"年"m"月"d"日"', "date format of %s: %s" % (h, cell.number_format))
                # The CSV writes output dates ISO; input cells as the roster had them.
                shown = [v.date().isoformat(), "%d/%d/%d" % (v.year, v.month, v.day),
                         "%d年%d月%d日" % (v.year, v.month, v.day)]
                check(text in shown, "row %d %s: date %s, CSV %r" % (r, h, v, text))
            elif v is None:
                check(text == "", "row %d %s: empty, CSV %r" % (r, h, text))
            else:
                check(isinstance(v, str), "row %d %s is text: %r" % (r, h, v))
                check(v == text, "row %d %s: %r, CSV %r" % (r, h, v, text))
        # 学号 and the ID number: text cells in text-formatted columns, never numbers.
        check(cells[0].value == "000%d" % (100 + r - 1) and cells[0].number_format == "@",
              "学号 kept as text: %r %s" % (cells[0].value, cells[0].number_format))
        check(cells[2].value is None or cells[2].number_format == "@", "身份证号 formatted as text")
        # Days left = the deadline's date - as_of; the row's colour by the deadline that matters
        # now: the soonest not yet passed, else the last one passed.
        nearest = None
        for i in days_cols:
            deadline, days = cells[i - 1].value, cells[i].value
            if deadline is None:
                check(days is None, "row %d: no deadline, no days left" % r)
                continue
            check(days == (deadline.date() - AS_OF).days, "row %d: days left %r to %s" % (r, days, deadline))
            check(cells[i].number_format == "0", "days left is a whole number")
            if nearest is None or (days >= 0 and (nearest < 0 or days < nearest)) or (days < 0 and nearest < 0 and days > nearest):
                nearest = days
        status = cells[status_col].value
        state = ("error" if status == "错误" else None if nearest is None else
                 "overdue" if nearest < 0 else "soon" if nearest <= 30 else "later")
        states[cells[0].value] = (state, nearest)
        # Cells with a value carry the colour; empty ones take the row's format.
        row_fill = ws.row_dimensions[r].fill if ws.row_dimensions[r].s else None
        check(all(fill(c) == (FILLS[state] if state else None) for c in cells if c.value is not None),
              "row %d coloured %s: %s" % (r, state, [fill(c) for c in cells]))
        check((row_fill.fgColor.rgb if row_fill is not None and row_fill.fill_type == "solid" else None) ==
              (FILLS[state] if state else None), "row %d's own format is %s" % (r, state))
    check(ws.column_dimensions["A"].number_format == "@" and ws.column_dimensions["C"].number_format == "@",
          "学号 and 身份证号 are text columns")
    check(states["000101"][0] == "overdue" and states["000103"] == ("overdue", -194), "overdue rows: %s" % states)
    check(states["000102"] == ("soon", 20) and states["000107"] == ("soon", 20), "due-soon rows: %s" % states)
    check(states["000104"] == ("later", 385), "a later row: %s" % states)
    check(states["000105"][0] == "error" and states["000106"][0] is None, "error and plain rows: %s" % states)
    # The ID number as the roster had it, whole, as text.
    check(ws["C2"].value == "110101199003078515", "the ID number is whole: %r" % ws["C2"].value)
    # A CSV cell for people: booleans 是/否.
    check(ws.cell(row=7, column=header.index("按规定应已可在学信网查询") + 1).value == "是", "booleans read 是")

    # 需处理: overdue by days left, then due soon in the roster's order, then errors.
    wl = wb["需处理"]
    check(wl.freeze_panes == "A2", "the worklist's header is frozen")
    wl_header = [c.value for c in wl[1]]
    check(wl_header == ["行号", "学号", "姓名", "最近的期限", "截止日期", "剩余天数", "状态", "说明"], "worklist header: %s" % wl_header)
    order = [(row[0].value, row[1].value, row[5].value) for row in wl.iter_rows(min_row=2)]
    check([o[1] for o in order] == ["000101", "000103", "000102", "000107", "000105"], "worklist order: %s" % order)
    check([o[0] for o in order] == [2, 4, 3, 8, 6], "worklist row numbers: %s" % order)
    check(order[1][2] == -194 and order[2][2] == 20 and order[4][2] is None, "worklist days: %s" % order)
    check(isinstance(wl["E2"].value, datetime.datetime) and wl["B2"].number_format == "@", "worklist types")
    # 状态 says why a row is listed (a red row beside 正常 read as nothing to do), the row's own
    # status after it when that is not 正常.
    row_status = {r[0]: r[status_col] for r in ws.iter_rows(min_row=2, values_only=True)}
    words = {"overdue": "已逾期", "soon": "30天内到期"}
    for row in wl.iter_rows(min_row=2, values_only=True):
        state, own = states[row[1]][0], row_status[row[1]]
        want = own if state == "error" else words[state] + ("" if own == "正常" else "；" + own)
        check(row[6] == want, "worklist 状态 of %s: %r, want %r" % (row[1], row[6], want))

    # 汇总: the counts equal the CSV's statuses.
    sm = {row[0].value: row[1].value for row in wb["汇总"].iter_rows() if row[0].value}
    statuses = [row[len(csv_header) - 2] for row in rows[1:]]
    check(sm["共计行数"] == 7, "rows: %s" % sm)
    for word in ("正常", "待补充", "错误"):
        check(sm[word] == statuses.count(word), "%s: %s vs CSV %d" % (word, sm[word], statuses.count(word)))
    check(sm["需处理"] == 5 and sm["已逾期"] == 2 and sm["30天内到期"] == 2 and sm["期限尚远"] == 1, "deadline counts: %s" % sm)
    check(sm["评估日期"] == datetime.datetime(2026, 9, 10), "evaluation date: %r" % sm["评估日期"])
    check(sm["政策包"].startswith("cn-higher-ed "), "pack: %s" % sm["政策包"])
    check(sm["名单"] == "roster.csv", "roster name: %s" % sm["名单"])
    # An enum output's counts: 入伍时身份 is a fact; 目前所处阶段 is an enum output.
    summary_rows = [(row[0].value, row[1].value) for row in wb["汇总"].iter_rows()]
    labels = [r[0] for r in summary_rows]
    check("目前所处阶段" in labels, "enum outputs are counted: %s" % labels)
    at = labels.index("目前所处阶段")
    stage_col = header.index("目前所处阶段")
    stages = [ws.cell(row=r, column=stage_col + 1).value for r in range(2, 9)]
    for label, n in summary_rows[at + 1:]:
        if label is None or not label.startswith("  "):
            break
        check(n == stages.count(label.strip()), "count of %s: %s vs %s" % (label, n, stages))
    check(any(v and str(v).startswith("第6行") for _, v in summary_rows), "the first errors are listed")

    # 依据: the rules some row used, with how many rows, and their citations; the rules of the
    # outputs written that no row used are counted in a last line (the trial: every rule of the
    # outputs was listed, 第21号令 for a roster with no discharge before 2011).
    src = list(wb["依据"].iter_rows(values_only=True))
    check(src[0][:5] == ("规则编号", "规则", "结果项", "用到的行数", "文件"), "sources header: %s" % (src[0],))
    cited = [r for r in src[1:] if r[0] and r[4]]
    check(any("教育部令第41号" in r[4] for r in cited), "the 41号令 is cited")
    check(all(isinstance(r[3], int) and 1 <= r[3] <= len(rows) - 1 for r in cited), "rows per rule: %s" % [r[3] for r in cited])
    used = {r[0]: r[3] for r in cited}
    check("veteran_retention_order_21" not in used, "a rule no row used is not listed: %s" % sorted(used))
    visible = rows[0].index("学历按规定可查询的时间")
    check(used.get("degree_visibility") == sum(1 for r in rows[1:] if r[visible]),
          "degree_visibility counts the rows with its value: %s vs %s" % (used.get("degree_visibility"), rows))
    last = [r[0] for r in src if r[0] and not r[4]]
    check(len(last) == 1 and last[0].startswith("另有 ") and last[0].endswith("条规则属于所写的结果项，但没有一行用到（名单中没有适用它们的情形），未列出。"),
          "the rules no row used are counted: %s" % last)

    # --remind-days widens "soon": at 400, the later row is due soon too.
    run([policy, "batch", "roster.csv", "--as-of", AS_OF.isoformat(), "-o", "r400.xlsx", "--remind-days", "400"], work)
    sm400 = {row[0].value: row[1].value for row in openpyxl.load_workbook(os.path.join(work, "r400.xlsx"))["汇总"].iter_rows() if row[0].value}
    check(sm400["400天内到期"] == 3 and sm400["需处理"] == 6, "--remind-days 400: %s" % sm400)


def check_stdout_and_english(policy, work):
    result_run(policy, work)
    # Standard output: spooled through a temporary file; English sheet names with --lang en.
    with open(os.path.join(work, "out.xlsx"), "wb") as out:
        p = subprocess.run([policy, "batch", "roster.csv", "--as-of", AS_OF.isoformat(), "--format", "xlsx",
                            "--lang", "en"], cwd=work, stdout=out, stderr=subprocess.PIPE)
    check(p.returncode == 3, "one row has an error: exit 3, got %d %s" % (p.returncode, p.stderr.decode()))
    wb = openpyxl.load_workbook(os.path.join(work, "out.xlsx"))
    check(wb.sheetnames == ["Results", "Worklist", "Summary", "Sources"], "English sheet names: %s" % wb.sheetnames)
    check(wb["Results"]["A2"].value == "000101", "the rows are there")
    check(wb["Results"]["D2"].number_format == "yyyy-mm-dd", "English dates ISO")
    # --names is the machine form: refused for a workbook.
    p = subprocess.run([policy, "batch", "roster.csv", "-o", "n.xlsx", "--names"], cwd=work,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(p.returncode == 2 and not os.path.exists(os.path.join(work, "n.xlsx")), "--names with xlsx is a usage error")
    # CSV or JSON Lines under a workbook's name: Excel would refuse the file. A usage error, and no file.
    for fmt in ("csv", "jsonl"):
        p = subprocess.run([policy, "batch", "roster.csv", "-o", "f.xlsx", "--format", fmt], cwd=work,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        check(p.returncode == 2 and not os.path.exists(os.path.join(work, "f.xlsx")) and "-o 的文件名是工作簿（.xlsx）".encode() in p.stderr,
              "--format %s with -o f.xlsx is a usage error: %d %s" % (fmt, p.returncode, p.stderr.decode()))
    # The sheets do not depend on the number of threads (several blocks of rows: 1,024 a block).
    lines = ROSTER.split("\r\n")[1:-1]
    with open(os.path.join(work, "many.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(ROSTER.split("\r\n")[0] + "\r\n")
        for i in range(5000):
            f.write("%06d" % (200000 + i) + lines[i % len(lines)][6:] + "\r\n")
    sheets = []
    for jobs in ("1", "3"):
        run([policy, "batch", "many.csv", "--as-of", AS_OF.isoformat(), "--jobs", jobs, "-o", "many%s.xlsx" % jobs], work)
        with zipfile.ZipFile(os.path.join(work, "many%s.xlsx" % jobs)) as z:
            sheets.append([z.read("xl/worksheets/sheet%d.xml" % k) for k in range(1, 5)])
    check(sheets[0] == sheets[1], "--jobs 1 and --jobs 3 write the same sheets")
    # Of the seven kinds of row, the overdue, due-soon and error ones (0, 1, 2, 4, 6) need attention.
    expected = 1 + sum(1 for i in range(5000) if i % 7 in (0, 1, 2, 4, 6))
    check(sheets[0][1].count(b"<row ") == expected, "the worklist: %d rows" % sheets[0][1].count(b"<row "))
    # A cell Excel cannot hold (more than 32,767 characters): a coded error naming -o's file, and no
    # file left behind, not even the temporary.
    with open(os.path.join(work, "long.csv"), "w", encoding="utf-8") as f:
        f.write("学号,退役日期,入伍时身份,备注\n000301,2024-02-29,在校生," + "长" * 40000 + "\n")
    p = subprocess.run([policy, "batch", "long.csv", "--as-of", AS_OF.isoformat(), "-o", "long.xlsx"], cwd=work,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = p.stderr.decode()
    check(p.returncode == 1 and "long.xlsx" in err and "batch_xlsx_write" in err and "第2行" in err,
          "a cell too long for Excel: %d %s" % (p.returncode, err))
    check(not [n for n in os.listdir(work) if n.startswith("long.xlsx")], "no partial workbook: %s" % os.listdir(work))


def soffice_csv(xlsx, work):
    """The first sheet of `xlsx` as CSV (UTF-8, comma, quoted text) by LibreOffice, in its own profile."""
    profile = "file://" + os.path.join(work, "lo-profile")
    subprocess.run(["soffice", "-env:UserInstallation=" + profile, "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", os.path.join(work, "lo"), xlsx],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=240)
    out = os.path.join(work, "lo", os.path.splitext(os.path.basename(xlsx))[0] + ".csv")
    return read_csv(out)


def check_libreoffice(policy, work):
    rows, _ = result_run(policy, work)
    lo = soffice_csv(os.path.join(work, "r.xlsx"), work)
    header = lo[0]
    days_cols = [i for i, h in enumerate(header) if h.startswith("剩余天数")]
    check(len(days_cols) == 2, "LibreOffice reads the 剩余天数 columns: %s" % header)
    check(len(lo) == len(rows), "as many rows: %d vs %d" % (len(lo), len(rows)))
    date_re = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
    for r, (lo_row, csv_row) in enumerate(zip(lo, rows)):
        values = [v for i, v in enumerate(lo_row) if i not in days_cols]
        check(len(values) == len(csv_row), "row %d: as many cells" % r)
        for h, v, text in zip(rows[0], values, csv_row):
            m = date_re.match(v)
            if m:  # a date cell, shown in its 年月日 format
                y, mo, d = (int(x) for x in m.groups())
                shown = ["%04d-%02d-%02d" % (y, mo, d), "%d/%d/%d" % (y, mo, d), "%d年%d月%d日" % (y, mo, d)]
                check(text in shown, "row %d %s: LibreOffice %r, CSV %r" % (r, h, v, text))
            else:
                check(v == text, "row %d %s: LibreOffice %r, CSV %r" % (r, h, v, text))
        for i in days_cols:
            if r == 0:
                continue
            m = date_re.match(lo_row[i - 1])
            if m:
                deadline = datetime.date(*(int(x) for x in m.groups()))
                check(int(lo_row[i]) == (deadline - AS_OF).days, "row %d: days left %s" % (r, lo_row[i]))
            else:
                check(lo_row[i] == "", "row %d: no deadline, no days left" % r)
    # The ID number and 学号 survive as text: no 1.10101E+17, no lost zeros.
    check(lo[1][0] == "000101" and lo[1][2] == "110101199003078515", "IDs whole: %s" % lo[1][:3])


def check_template(policy, work):
    run([policy, "template", "-o", "名单模板.xlsx"], work, expect=(0,))
    wb = openpyxl.load_workbook(os.path.join(work, "名单模板.xlsx"))
    check(wb.sheetnames == ["名单", "填写说明"], "template sheets: %s" % wb.sheetnames)
    ws = wb["名单"]
    check(ws.freeze_panes == "A2", "the template's header is frozen")
    header = [c.value for c in ws[1]]
    check(header[:2] == ["学号", "姓名"] and "退役日期" in header and "入伍时身份" in header, "template header: %s" % header)
    for c in ws[1]:
        check(c.comment is not None and c.comment.text, "column %s has a comment" % c.value)
    col = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(header)}
    check("可填写：" in ws[col["退役日期"] + "1"].comment.text, "the comment says what is accepted")
    check("在读" in ws[col["入伍时身份"] + "1"].comment.text, "the comment gives the aliases")
    check(ws.column_dimensions[col["学号"]].number_format == "@", "学号 is a text column")
    check(ws.column_dimensions[col["退役日期"]].number_format == 'yyyy"年"m"月"d"日"', "dates in 年月日")
    by_col = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            by_col[re.match(r"[A-Z]+", rng).group(0)] = dv
    enlisted = by_col[col["入伍时身份"]]
    check(enlisted.type == "list" and enlisted.formula1 == '"新生,在校生"', "enum list: %s" % enlisted.formula1)
    check(by_col[col["春季入学"]].formula1 == '"是,否"', "是/否 list")
    dv = by_col[col["退役日期"]]
    check(dv.type == "date" and dv.operator in (None, "between") and dv.formula1 == "61" and dv.formula2 == "2958465",
          "date range: %s %s %s" % (dv.type, dv.formula1, dv.formula2))
    # Filled in as a registrar would (values the validations accept), saved, written as CSV,
    # and run: no header or cell complaints.
    values = {"学号": ["000201", "000202"], "姓名": ["王一", "李二"],
              "退役日期": [datetime.datetime(2025, 6, 15), datetime.datetime(2024, 2, 29)],
              "入伍时身份": ["在校生", "新生"], "录取日期": [datetime.datetime(2021, 8, 20), None],
              "春季入学": ["否", "否"], "发证日期": [None, None]}
    for h, vs in values.items():
        for r, v in enumerate(vs, start=2):
            ws[col[h] + str(r)] = v
    wb.save(os.path.join(work, "名单.xlsx"))
    filled = openpyxl.load_workbook(os.path.join(work, "名单.xlsx"))["名单"]
    with open(os.path.join(work, "名单.csv"), "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        for row in filled.iter_rows(values_only=True):
            w.writerow(["" if v is None else v.date().isoformat() if isinstance(v, datetime.datetime) else v for v in row])
    p = run([policy, "batch", "名单.csv", "--as-of", AS_OF.isoformat(), "-o", "结果.xlsx"], work, expect=(0,))
    err = p.stderr.decode()
    check("错误 0" in err, "no row errors: " + err)
    for complaint in ("未读取", "提醒", "警告", "是否应为", "第"):
        check(complaint not in err, "no complaint (%s): %s" % (complaint, err))
    res = openpyxl.load_workbook(os.path.join(work, "结果.xlsx"))["结果"]
    check(res["A2"].value == "000201", "学号 from the template stays text: %r" % res["A2"].value)
    # The filled-in template read as it is (the registrar's way: no CSV step): no complaints, and
    # the same answers as its CSV, cell for cell.
    p = run([policy, "batch", "名单.xlsx", "--as-of", AS_OF.isoformat(), "-o", "直接.csv"], work, expect=(0,))
    err = p.stderr.decode()
    check("错误 0" in err, "no row errors reading the workbook: " + err)
    for complaint in ("未读取", "提醒", "警告", "是否应为", "第"):
        check(complaint not in err, "no complaint reading the workbook (%s): %s" % (complaint, err))
    run([policy, "batch", "名单.csv", "--as-of", AS_OF.isoformat(), "-o", "经CSV.csv"], work, expect=(0,))
    direct, via_csv = read_csv(os.path.join(work, "直接.csv")), read_csv(os.path.join(work, "经CSV.csv"))
    check(len(direct) == 3, "a header and two rows: %d" % len(direct))
    check(direct == via_csv, "the workbook gives what its CSV gives:\n%s\n%s" % (direct, via_csv))
    # The roster on the second sheet, a 说明 sheet first (as registrars keep them): the header
    # message names the sheet read, the workbook's sheets and --sheet; --sheet reads it.
    wb2 = openpyxl.Workbook()
    wb2.active.title = "说明"
    wb2.active["A1"] = "请在“名单”表中填写"
    roster = wb2.create_sheet("名单")
    for row in filled.iter_rows(values_only=True):
        roster.append(list(row))
    wb2.save(os.path.join(work, "两个表.xlsx"))
    p = run([policy, "batch", "两个表.xlsx", "--as-of", AS_OF.isoformat(), "-o", "两个表.csv"], work, expect=(1,))
    err = p.stderr.decode()
    check("batch_bad_header" in err and "读取的是工作表“说明”" in err and "说明、名单" in err and "--sheet" in err,
          "the header message names the sheets and --sheet: " + err)
    run([policy, "batch", "两个表.xlsx", "--sheet", "名单", "--as-of", AS_OF.isoformat(), "-o", "两个表.csv"], work, expect=(0,))
    check(read_csv(os.path.join(work, "两个表.csv")) == direct, "--sheet 名单 gives the roster's answers")

    # A question's template (the trial's registrar got every fact of the pack, and every row came
    # out 待补充): only the columns the question's answers need, the facts it asks first leading,
    # and the instructions naming it and no ID-number column it lacks.
    p = run([policy, "template", "--question", "enlistment", "-o", "退役复学.xlsx"], work, expect=(0,))
    check("运行 policy batch 退役复学.xlsx --question enlistment -o 结果.xlsx" in p.stderr.decode(),
          "the command to run next, with its question: " + p.stderr.decode())
    wb3 = openpyxl.load_workbook(os.path.join(work, "退役复学.xlsx"))
    q = wb3["名单"]
    check([c.value for c in q[1]] == ["学号", "姓名", "退役日期", "入伍时身份"], "question template header: %s" % [c.value for c in q[1]])
    notes = [row[0].value for row in wb3["填写说明"].iter_rows() if row[0].value]
    check(any("本模板回答：录取新生、在校生应征入伍，学籍怎么处理？" in n for n in notes), "names its question: %s" % notes[:3])
    check(not any("身份证号" in n for n in notes), "no ID-number column to speak of: %s" % notes)
    check(any("policy batch 名单.xlsx --question enlistment -o 结果.xlsx" in n for n in notes), "step 5 asks the question: %s" % notes)
    for r, row in enumerate([["000301", "赵五", datetime.datetime(2026, 6, 15), "在校生"],
                             ["000302", "钱六", datetime.datetime(2024, 6, 30), "新生"]], start=2):
        for c, v in enumerate(row, start=1):
            q.cell(row=r, column=c, value=v)
    wb3.save(os.path.join(work, "退役复学名单.xlsx"))
    p = run([policy, "batch", "退役复学名单.xlsx", "--as-of", AS_OF.isoformat(), "-o", "退役复学结果.csv"], work, expect=(0,))
    err = p.stderr.decode()
    check("正常 2，待补充 0，错误 0" in err, "every row of a question's roster is decided: " + err)
    # The next template named like the filled roster (the trial lost eleven students so): refused,
    # the roster kept; --force replaces it.
    before = open(os.path.join(work, "退役复学名单.xlsx"), "rb").read()
    p = run([policy, "template", "--question", "enlistment", "-o", "退役复学名单.xlsx"], work, expect=(1,))
    check("template_exists" in p.stderr.decode() and "--force" in p.stderr.decode(), "an existing file is kept: " + p.stderr.decode())
    check(open(os.path.join(work, "退役复学名单.xlsx"), "rb").read() == before, "the filled roster is unchanged")
    run([policy, "template", "--question", "enlistment", "-o", "覆盖.xlsx"], work, expect=(0,))
    run([policy, "template", "--question", "enlistment", "--force", "-o", "覆盖.xlsx"], work, expect=(0,))
    # batch --question: only that question's answers, so the summary names no output of another
    # question (the trial's registrar was told of 学历证书 columns the template never had).
    p = run([policy, "batch", "退役复学名单.xlsx", "--question", "enlistment", "--as-of", AS_OF.isoformat(),
             "-o", "退役复学问题.csv"], work, expect=(0,))
    err = p.stderr.decode()
    check("正常 2，待补充 0，错误 0" in err and "学历" not in err, "batch --question: " + err)
    asked = read_csv(os.path.join(work, "退役复学问题.csv"))[0]
    check(asked[:5] == ["学号", "姓名", "退役日期", "入伍时身份", "评估日期"] and asked[-2:] == ["状态", "说明"],
          "inputs, then the outputs: %s" % asked)
    # The question's answers, its guidance text included (left out without --question), and no
    # answer of another question.
    check("入学资格/学籍保留至" in asked and "目前所处阶段" in asked and "现在怎么办" in asked, "the question's outputs: %s" % asked)
    check(not any("学历" in h or "证书" in h for h in asked), "no other question's outputs: %s" % asked)
    # By where it comes from, as 填写说明 names it (问题5); 问题6 has two questions: both listed.
    run([policy, "batch", "退役复学名单.xlsx", "--question", "问题5", "--as-of", AS_OF.isoformat(), "-o", "问题5.csv"], work,
        expect=(0,))
    check(read_csv(os.path.join(work, "问题5.csv"))[0] == asked, "--question 问题5 is enlistment")
    # A pack where two questions come from 问题5 (a school's own pack may split one): name one by id.
    pack = os.path.join(work, "pack")
    shutil.copytree(os.path.join(REPO, "policy", "cn-higher-ed"), pack)
    with open(os.path.join(pack, "questions.toml"), "a", encoding="utf-8") as f:
        f.write('\n[[questions]]\nid = "enlistment_deadline"\nlabel = "退役后最晚何时复学？"\nsource = "问题5"\n'
                'outputs = ["reenroll_deadline"]\n')
    p = run([policy, "batch", "退役复学名单.xlsx", "--policy", pack, "--question", "问题5", "-o", "y.csv"], work, expect=(2,))
    err = p.stderr.decode()
    check("batch_unknown_question" in err and "“问题5”下有几个问题，请用 id 指明其中一个" in err and err.count("问题5)") == 2
          and "enlistment_deadline (" in err and "xueji_query" not in err, "问题5 names two questions: " + err)
    p = run([policy, "batch", "退役复学名单.xlsx", "--question", "enlist", "-o", "y.csv"], work, expect=(2,))
    check("batch_unknown_question" in p.stderr.decode() and not os.path.exists(os.path.join(work, "y.csv")),
          "batch --question names no question: " + p.stderr.decode())
    # A roster's own number columns (序号, 成绩) come back as numbers (the trial's 序号 sorted 1, 10,
    # 2 as text); columns a fact reads keep the text the checks read (学号 as text).
    wb4 = openpyxl.Workbook()
    n = wb4.active
    n.append(["序号", "学号", "退役日期", "入伍时身份", "成绩", "出生日期"])
    n.append([1, 2021001, datetime.datetime(2026, 6, 15), "在校生", 85.5, datetime.datetime(2003, 5, 1)])
    n.append([10, 2021002, datetime.datetime(2024, 6, 30), "新生", None, "2003.6.1"])
    n.append([2, "2021003", datetime.datetime(2025, 6, 30), "在校生", 90, None])
    n["F2"].number_format = 'yyyy"年"m"月"d"日"'
    wb4.save(os.path.join(work, "序号.xlsx"))
    run([policy, "batch", "序号.xlsx", "--question", "enlistment", "--as-of", AS_OF.isoformat(), "-o", "序号结果.xlsx"], work,
        expect=(0,))
    res = openpyxl.load_workbook(os.path.join(work, "序号结果.xlsx"))["结果"]
    got = [(r[0], r[1], r[4], r[5]) for r in res.iter_rows(min_row=2, values_only=True)]
    check(got == [(1, "2021001", 85.5, datetime.datetime(2003, 5, 1)), (10, "2021002", None, "2003.6.1"), (2, "2021003", 90, None)],
          "number and date columns stay numbers and dates, text stays text: %s" % got)
    # A 学号 column no fact reads, typed as numbers (学生编号 here): the worklist shows it (it was
    # blank: the worklist copied text cells only).
    wb5 = openpyxl.Workbook()
    n = wb5.active
    n.append(["学生编号", "姓名", "退役日期", "入伍时身份"])
    n.append([2021002, "张三", datetime.datetime(2023, 12, 20), "新生"])
    n.append([2021003, "李四", "二〇二五年", "在校生"])
    wb5.save(os.path.join(work, "编号.xlsx"))
    run([policy, "batch", "编号.xlsx", "--question", "enlistment", "--as-of", "2025-12-01", "-o", "编号结果.xlsx"], work,
        expect=(3,))
    res = openpyxl.load_workbook(os.path.join(work, "编号结果.xlsx"))
    got = [r[:3] for r in res["需处理"].iter_rows(min_row=2, values_only=True)]
    check(got == [(2, "2021002", "张三"), (3, "2021003", "李四")], "a number-typed 学号 on the worklist: %s" % got)
    check(res["结果"]["A2"].value == 2021002, "the result sheet keeps it a number: %r" % res["结果"]["A2"].value)
    # Number formats of the roster's own number columns come back (the trial's 占比 0% came back
    # 0.25 in General): a built-in one (0%: openpyxl writes id 9) and custom ones, on coloured rows.
    wb6 = openpyxl.Workbook()
    n = wb6.active
    n.append(["序号", "姓名", "退役日期", "入伍时身份", "成绩", "占比", "金额"])
    n.append([1, "张三", datetime.datetime(2023, 12, 20), "新生", 85.5, 0.25, 1234.5])
    n.append([2, "李四", datetime.datetime(2025, 11, 20), "在校生", 90, 0.5, 99])
    for r in (2, 3):
        n.cell(r, 5).number_format = "0.0"
        n.cell(r, 6).number_format = "0%"
        n.cell(r, 7).number_format = '#,##0.00"元"'
    wb6.save(os.path.join(work, "格式.xlsx"))
    run([policy, "batch", "格式.xlsx", "--question", "enlistment", "--as-of", "2025-12-01", "-o", "格式结果.xlsx"], work, expect=(0,))
    res = openpyxl.load_workbook(os.path.join(work, "格式结果.xlsx"))["结果"]
    got = [[(c.value, c.number_format) for c in row] for row in res.iter_rows(min_row=2, min_col=5, max_col=7)]
    check(got == [[(85.5, "0.0"), (0.25, "0%"), (1234.5, '#,##0.00"元"')], [(90, "0.0"), (0.5, "0%"), (99, '#,##0.00"元"')]],
          "number formats kept: %s" % got)
    check(fill(res["F2"]) == FILLS["soon"] and fill(res["F3"]) == FILLS["later"] and res["A2"].number_format == "General",
          "a kept format keeps its row's colour: %s %s" % (fill(res["F2"]), fill(res["F3"])))
    # Another pack's id, or a typo: a usage error listing the questions.
    p = run([policy, "template", "--question", "enlist", "-o", "x.xlsx"], work, expect=(2,))
    err = p.stderr.decode()
    check("template_unknown_question" in err and "enlistment (录取新生" in err and "\\n" not in err, "unknown question: " + err)
    check(not os.path.exists(os.path.join(work, "x.xlsx")), "nothing written for an unknown question")


def main():
    mode, policy = sys.argv[1], os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="xlsx-check-") as work:
        {"result": check_result, "libreoffice": check_libreoffice, "template": check_template,
         "stdout": check_stdout_and_english}[mode](policy, work)
    print("xlsx_check %s: ok" % mode)


if __name__ == "__main__":
    main()
