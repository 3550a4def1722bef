#!/usr/bin/python3
"""Round trip of serve/ics.h through an independent iCalendar parser (RFC 5545).

Runs tests/serve/ics_sample (argv[1]), checks the raw text's line endings and folding, parses it
with icalendar.Calendar.from_ical (Debian's python3-icalendar) and compares what it reads with
the values ics_sample.cpp wrote. Run with /usr/bin/python3: a pyenv interpreter lacks the module.
"""

import datetime
import subprocess
import sys

try:
    import icalendar
except ImportError:
    sys.exit("ics_roundtrip: the icalendar module is missing; "
             "install python3-icalendar (scripts/install-deps.sh) and run with /usr/bin/python3")


def check(cond, what):
    if not cond:
        sys.exit("ics_roundtrip: FAILED: " + what)


raw = subprocess.run([sys.argv[1]], check=True, stdout=subprocess.PIPE).stdout

# RFC 5545 §3.1: CRLF after every line, no bare LF or CR, lines of at most 75 octets, each
# physical line valid UTF-8 on its own (no character split by a fold).
check(raw.endswith(b"\r\n"), "the text ends with CRLF")
lines = raw[:-2].split(b"\r\n")
for line in lines:
    check(b"\n" not in line and b"\r" not in line, "no bare LF or CR: %r" % line)
    check(len(line) <= 75, "at most 75 octets: %d in %r" % (len(line), line))
    line.decode("utf-8")  # raises on a split sequence
check(any(line.startswith(b" ") for line in lines), "the sample has folded lines")

# §3.3.11, checked on the raw text because parsers are lenient about it (icalendar reads a bare
# comma in a single TEXT value as a comma): in TEXT values a backslash starts one of the escapes
# \\ \; \, \n, and no comma or semicolon is left bare.
content = raw.decode("utf-8").replace("\r\n ", "").split("\r\n")
for line in content:
    name, _, value = line.partition(":")
    if name.split(";")[0] not in ("PRODID", "UID", "SUMMARY", "DESCRIPTION"):
        continue
    i = 0
    while i < len(value):
        if value[i] == "\\":
            check(value[i + 1:i + 2] in ("\\", ";", ",", "n", "N"), "a known escape in %r" % line)
            i += 2
            continue
        check(value[i] not in ",;", "%r escaped in %r" % (value[i], line))
        i += 1

cal = icalendar.Calendar.from_ical(raw)
check(str(cal["VERSION"]) == "2.0", "VERSION")
check(str(cal["PRODID"]) == "-//policy-engine//policy serve 0.1.0//ZH", "PRODID")
check(str(cal["CALSCALE"]) == "GREGORIAN", "CALSCALE")
check(str(cal["METHOD"]) == "PUBLISH", "METHOD")
check(str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai", "X-WR-TIMEZONE")

D = datetime.date
expected = [
    {
        "uid": "sample-1-return_deadline@policy",
        "summary": "复学最后办理日：学校规定的最后办理日",
        "description": "最后办理日为2026年9月30日，截止于当日24:00（北京时间）。\n"
                       "请携带：退役证、身份证; 原学籍材料,缺一不可\n"
                       "办理地点：学生处学籍科（行政楼201），电话：010-12345678\n"
                       "依据：《普通高等学校学生管理规定》第三十条；材料目录 C:\\学籍\\复学",
        "start": D(2026, 9, 30), "end": D(2026, 10, 1),
        # 09:00 on 2026-09-23, seven days before the last day.
        "trigger": -datetime.timedelta(days=6, hours=15),
        "alarm_at": datetime.datetime(2026, 9, 23, 9, 0),
    },
    {
        "uid": "sample-1-intake_window@policy",
        "summary": "新生报到期",
        "description": "报到时间：9月1日至9月15日,逾期未报到且无正当理由者，视为放弃入学资格。",
        "start": D(2026, 9, 1), "end": D(2026, 9, 16),
        "trigger": datetime.timedelta(days=11, hours=9),
        "alarm_at": datetime.datetime(2026, 9, 12, 9, 0),
    },
    {
        "uid": "sample-1-degree_queryable@policy",
        "summary": "学历可查询日",
        "description": "第一行\n第二行",
        "start": D(2026, 7, 31), "end": D(2026, 8, 1),
        "trigger": datetime.timedelta(hours=9),
        "alarm_at": datetime.datetime(2026, 7, 31, 9, 0),
    },
]

events = list(cal.walk("VEVENT"))
check(len(events) == len(expected), "%d events, expected %d" % (len(events), len(expected)))
for ev, want in zip(events, expected):
    name = want["uid"]
    check(str(ev["UID"]) == want["uid"], "UID %r" % str(ev["UID"]))
    stamp = ev["DTSTAMP"].dt
    check(stamp == datetime.datetime(2025, 6, 30, 0, 0, tzinfo=datetime.timezone.utc),
          "%s DTSTAMP %r" % (name, stamp))
    check(str(ev["SUMMARY"]) == want["summary"], "%s SUMMARY %r" % (name, str(ev["SUMMARY"])))
    check(str(ev["DESCRIPTION"]) == want["description"],
          "%s DESCRIPTION %r" % (name, str(ev["DESCRIPTION"])))
    start, end = ev["DTSTART"].dt, ev["DTEND"].dt
    # All-day: plain dates (VALUE=DATE), not datetimes; DTEND is the day after the last day.
    check(type(start) is datetime.date and start == want["start"], "%s DTSTART %r" % (name, start))
    check(type(end) is datetime.date and end == want["end"], "%s DTEND %r" % (name, end))
    check(str(ev["TRANSP"]) == "TRANSPARENT", "%s TRANSP" % name)
    alarms = list(ev.walk("VALARM"))
    check(len(alarms) == 1, "%s has one VALARM" % name)
    alarm = alarms[0]
    check(str(alarm["ACTION"]) == "DISPLAY", "%s ACTION" % name)
    check(str(alarm["DESCRIPTION"]) == want["summary"], "%s alarm DESCRIPTION" % name)
    trigger = alarm["TRIGGER"]
    check(trigger.dt == want["trigger"], "%s TRIGGER %r" % (name, trigger.dt))
    check(trigger.params.get("RELATED", "START") == "START", "%s TRIGGER relative to the start" % name)
    # The alarm's local time: the start of the all-day event (00:00 of DTSTART) plus the trigger.
    at = datetime.datetime.combine(start, datetime.time(0, 0)) + trigger.dt
    check(at == want["alarm_at"], "%s alarm at %s" % (name, at))

print("ics_roundtrip: %d events read back by icalendar %s" % (len(events), icalendar.__version__))
