#!/usr/bin/python3
"""tests/packaging/package_check.py CPACK_CONFIG SOURCE_DIR COMPLETION

Checks `cmake --install` into a scratch prefix (the layout README describes), then builds the
Debian package as `make package` does (CPack, into a scratch directory), then checks it
the way a school's IT would meet it: its control fields (name, version, architecture, Depends from
the binary's shared libraries), its files, the installed binary run from a root the package is
unpacked into (dpkg-deb -x): --version against the pack's pack.toml, an example evaluated, the
man page read with man -l (the Chinese description included), the changelog against the version,
and lintian: no errors (E:); its warnings are printed. Exit 77 (skipped) only when a tool the
check needs is not installed at all (scripts/install-deps.sh installs them)."""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

cpack_config, source_dir, completion = sys.argv[1:4]
cpack = os.environ.get("CPACK", "cpack")
cmake = os.environ.get("CMAKE", "cmake")
build_dir = os.path.dirname(os.path.abspath(cpack_config))
failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message, file=sys.stderr)


def run(args, env=None, check=True):
    r = subprocess.run(args, capture_output=True, text=True, env=env)
    if check and r.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(args)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


for tool in (cpack, "dpkg-deb", "dpkg-shlibdeps", "dpkg-parsechangelog", "lintian", "man"):
    if shutil.which(tool) is None:
        print(f"SKIP: {tool} is not installed (scripts/install-deps.sh installs it)")
        sys.exit(77)

with open(os.path.join(source_dir, "CMakeLists.txt"), encoding="utf-8") as f:
    program_version = re.search(r"project\(policy_engine VERSION ([0-9.]+)", f.read()).group(1)
with open(os.path.join(source_dir, "policy", "cn-higher-ed", "pack.toml"), "rb") as f:
    pack = tomllib.load(f)["policy"]
arch = run(["dpkg", "--print-architecture"]).stdout.strip()
env = dict(os.environ, LC_ALL="C.UTF-8", TZ="America/New_York")
env.pop("POLICY_LANG", None)

with tempfile.TemporaryDirectory(prefix="policy-package-") as tmp:
    # ---- cmake --install -----------------------------------------------------------------------
    prefix = os.path.join(tmp, "prefix")
    run([cmake, "--install", build_dir, "--prefix", prefix])
    for path in ("bin/policy", "share/man/man1/policy.1", "share/bash-completion/completions/policy",
                 "share/doc/policy/README.md", "share/doc/policy/docs/policy-language.md",
                 "share/doc/policy/examples/rosters/veterans.csv"):
        if not os.path.isfile(os.path.join(prefix, path)):
            fail(f"cmake --install did not install {path}")
    for path in ("share/man/man1/policy.1.gz", "share/doc/policy/changelog.Debian.gz"):
        if os.path.exists(os.path.join(prefix, path)):
            fail(f"cmake --install installed {path}, which only the Debian package has")

    # ---- the package ---------------------------------------------------------------------------
    out = os.path.join(tmp, "out")
    run([cpack, "-G", "DEB", "--config", cpack_config, "-B", out])
    debs = [f for f in os.listdir(out) if f.endswith(".deb")]
    if len(debs) != 1:
        raise SystemExit(f"FAIL: expected one .deb from CPack, got {debs}")
    deb = os.path.join(out, debs[0])
    fields = {}
    for line in run(["dpkg-deb", "-f", deb]).stdout.splitlines():
        if not line.startswith(" ") and ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    version = fields.get("Version", "")
    print(f"{debs[0]}: Version {version}, Depends {fields.get('Depends')}")
    if not re.fullmatch(re.escape(program_version) + r"-[0-9]+", version):
        fail(f"Version {version!r} is not the program's {program_version} with a Debian revision")
    if debs[0] != f"policy_{version}_{arch}.deb":
        fail(f"file name {debs[0]}, expected policy_{version}_{arch}.deb")
    if fields.get("Package") != "policy":
        fail(f"Package {fields.get('Package')!r}")
    if fields.get("Architecture") != arch:
        fail(f"Architecture {fields.get('Architecture')!r}, the build's is {arch}")
    depends = [d.strip().split(" ")[0] for d in fields.get("Depends", "").split(",")]
    for needed in ("libc6", "libstdc++6", "tzdata"):
        if needed not in depends:
            fail(f"Depends lacks {needed}: {fields.get('Depends')!r}")

    root = os.path.join(tmp, "root")
    run(["dpkg-deb", "-x", deb, root])
    doc = os.path.join(root, "usr/share/doc/policy")
    for path in ("usr/bin/policy", "usr/share/man/man1/policy.1.gz", "usr/share/bash-completion/completions/policy",
                 "usr/share/doc/policy/README.md", "usr/share/doc/policy/copyright",
                 "usr/share/doc/policy/changelog.Debian.gz", "usr/share/doc/policy/docs/diagnostics.md",
                 "usr/share/doc/policy/examples/situations/returning-veteran.toml",
                 "usr/share/doc/policy/policy/cn-higher-ed/README.md"):
        if not os.path.isfile(os.path.join(root, path)):
            fail(f"the package lacks /{path}")
    # Every relative link of the installed documents leads to an installed file (the IT trial found
    # README.md's serve/openapi.json and rules/README.md, and docs/'s ../tests/fuzz/README.md, missing).
    for folder, _, names in os.walk(doc):
        for name in names:
            if not name.endswith(".md"):
                continue
            md = os.path.join(folder, name)
            with open(md, encoding="utf-8") as f:
                for target in re.findall(r"\]\(([^)\s]+)\)", f.read()):
                    if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                        continue
                    path = os.path.normpath(os.path.join(folder, target.split("#")[0]))
                    if not os.path.exists(path):
                        fail(f"{os.path.relpath(md, root)} links to {target}, which the package lacks")
    with open(completion, "rb") as a, open(os.path.join(root, "usr/share/bash-completion/completions/policy"), "rb") as b:
        if a.read() != b.read():
            fail("the packaged bash completion differs from the build's")

    # ---- the installed program ----------------------------------------------------------------
    policy = os.path.join(root, "usr/bin/policy")
    r = run([policy, "--version"], env=env)
    print(r.stdout, end="")
    lines = r.stdout.splitlines()
    if not lines or lines[0] != f"policy {program_version}":
        fail(f"--version's first line {lines[:1]}, expected 'policy {program_version}'")
    if f"内置政策包：{pack['id']} {pack['version']}（{pack['title']}）" not in r.stdout:
        fail(f"--version does not name the built-in pack {pack['id']} {pack['version']} as pack.toml does")
    if not re.search(r"^源代码修订：\S", r.stdout, re.M):
        fail("--version has no source revision line")
    # An example from the documentation, evaluated by the installed binary: PRC Civil Code Art. 202,
    # 2025-06-15 + 2 years; the next re-enrolment period of the pack's default school parameters.
    example = os.path.join(doc, "examples/situations/returning-veteran.toml")
    r = run([policy, "eval", example, "--as-of", "2025-12-01", "--format", "json"], env=env)
    values = json.loads(r.stdout)["values"]
    if values.get("retention_until") != "2027-06-15" or values.get("reenroll_deadline") != "2026-09-30":
        fail(f"eval of the example: retention_until {values.get('retention_until')}, "
             f"reenroll_deadline {values.get('reenroll_deadline')}")
    r = run([policy, "eval", example, "--as-of", "2025-12-01"], env=env)
    if "2027年6月15日" not in r.stdout:
        fail("eval of the example in text does not show 2027年6月15日")

    # ---- the man page ---------------------------------------------------------------------------
    page = os.path.join(root, "usr/share/man/man1/policy.1.gz")
    with open(page, "rb") as f:
        header = f.read(10)
    if header[:2] != b"\x1f\x8b" or header[4:8] != b"\0\0\0\0":
        fail("policy.1.gz is not gzip -n (no time stamp)")
    r = run(["man", "-l", page], env=dict(env, MANWIDTH="80", MAN_KEEP_FORMATTING="", PAGER="cat"))
    text = re.sub(r"\s+", " ", r.stdout)  # the words, whatever the line breaks and justification
    for wanted in ("policy 回答学籍管理中心一年到头要回答的问题", "policy answers the questions a registrar's office",
                   "SYNOPSIS", "policy [OPTIONS] SUBCOMMAND", "template", "POLICY_LANG"):
        if wanted not in text:
            fail(f"man -l policy.1.gz does not show {wanted!r}")
    # What lintian's manual-page check runs: groff must not warn.
    r = run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", page], env=dict(env, MANWIDTH="80"))
    if r.stderr.strip():
        fail(f"man --warnings reports:\n{r.stderr}")

    # ---- the changelog --------------------------------------------------------------------------
    changelog = os.path.join(tmp, "changelog")
    with gzip.open(os.path.join(doc, "changelog.Debian.gz"), "rb") as f, open(changelog, "wb") as g:
        g.write(f.read())
    latest = run(["dpkg-parsechangelog", "-l", changelog, "-S", "Version"]).stdout.strip()
    if latest != version:
        fail(f"packaging/changelog's latest entry is {latest}, the package is {version}: add an entry")

    # ---- lintian -------------------------------------------------------------------------------
    r = run(["lintian", "--no-cfg", "--tag-display-limit", "0", deb], env=env, check=False)
    report = (r.stdout + r.stderr).splitlines()
    errors = [l for l in report if l.startswith("E:")]
    others = [l for l in report if not l.startswith("E:")]
    print("lintian:", "no errors" if not errors else f"{len(errors)} errors")
    for l in others:
        print("  " + l)
    for l in errors:
        fail("lintian: " + l)

if failures:
    print(f"{len(failures)} failures", file=sys.stderr)
    sys.exit(1)
print("the package installs a working policy, its man page and completion")
