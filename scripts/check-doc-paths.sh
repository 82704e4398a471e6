#!/usr/bin/env bash
# Fails when the docs or the code comments cite a file of this repository that does not
# exist: a path like Sources/…, Tests/…, scripts/…, cron/…, jobs/…, docs/…, .ci/… or a
# capitalised top-level Markdown name (README, CONTRIBUTING, …) in any Markdown file, in Package.swift, the Containerfile and the
# comments of Swift and shell files; every relative Markdown link, and every #anchor
# of a link within the same Markdown file. A path followed by :LINE is an example of a
# diagnostic (`jobs/qp.yaml:12:5: error: …`), not a citation.
# Usage: scripts/check-doc-paths.sh [ROOT]   (default: the repository)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
python3 - <<'EOF'
import glob, os, re, subprocess, sys

tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                         capture_output=True, text=True, check=True).stdout.split()
markdown = [f for f in tracked if f.endswith(".md")]
commented = {f: "//" for f in tracked if f.endswith(".swift")}
commented.update({f: "#" for f in tracked if f.endswith(".sh") or f.startswith(".ci/") or f == "Containerfile"
                  or f.startswith("cron/") and not f.endswith(".md")})

repo_path = re.compile(r"(?<![\w./<>$~-])((?:Sources|Tests|scripts|cron|jobs|docs|\.ci)/[\w.*/+-]*|[A-Z][A-Z_-]+\.md)")
link = re.compile(r"\]\(([^)\s]+)\)")


def exists(path):
    path = path.rstrip(".,:;")
    if "*" in path:
        return bool(glob.glob(path))
    return os.path.exists(path)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


problems = []
for name in markdown + sorted(commented):
    lines = open(name, encoding="utf-8").read().split("\n")
    anchors = {slug(l.lstrip("#")) for l in lines if name.endswith(".md") and re.match(r"#{1,6} ", l)}
    in_code = False
    for number, line in enumerate(lines, 1):
        text = line
        if name in commented:
            marker = commented[name]
            if marker not in line:
                continue
            text = line[line.index(marker):]
        for match in repo_path.finditer(text):
            cited = match.group(1)
            if re.match(r":\d", text[match.end():]):
                continue
            if not exists(cited):
                problems.append(f"{name}:{number}: cites {cited.rstrip('.,:;')}, which does not exist")
        if not name.endswith(".md"):
            continue
        if line.startswith("```"):
            in_code = not in_code
        if in_code:
            continue
        for match in link.finditer(line):
            target = match.group(1)
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            if path:
                if not os.path.exists(os.path.normpath(os.path.join(os.path.dirname(name), path))):
                    problems.append(f"{name}:{number}: links to {path}, which does not exist")
            elif anchor not in anchors:
                problems.append(f"{name}:{number}: links to #{anchor}, which is no heading of {name}")

for problem in problems:
    print(problem, file=sys.stderr)
if problems:
    print(f"{len(problems)} citation(s) of files or headings that do not exist", file=sys.stderr)
    sys.exit(1)
print(f"docs and comments cite only files that exist ({len(markdown)} Markdown files, {len(commented)} source files)")
EOF
