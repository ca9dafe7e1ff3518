"""Command lines of the curation: ``tools/curate.py`` (``main``) and ``tools/curate_reference.py``."""

from __future__ import annotations

import argparse
import difflib
import json
from datetime import UTC, datetime
from pathlib import Path

from .build import generate
from .changes import CHANGES_FILE, changes_section, with_section
from .reference import generate as generate_reference


def feature_diff(old_text: str, new_text: str) -> list[str] | None:
    """Field-level differences between two layer files (None if either is not JSON)."""
    try:
        old = {f["id"]: f for f in json.loads(old_text)["features"]}
        new = {f["id"]: f for f in json.loads(new_text)["features"]}
    except (ValueError, KeyError, TypeError):
        return None
    out = []
    for fid in sorted(set(old) - set(new)):
        out.append(f"- feature {fid} (not produced by the research)")
    for fid in sorted(set(new) - set(old)):
        out.append(f"+ feature {fid} (missing from the committed file)")
    for fid in [i for i in new if i in old]:
        a, b = old[fid], new[fid]
        if a.get("geometry") != b.get("geometry"):
            out.append(f"~ feature {fid}: geometry differs")
        pa, pb = a.get("properties") or {}, b.get("properties") or {}
        for key in sorted(set(pa) | set(pb)):
            if pa.get(key) != pb.get(key):
                out.append(f"~ feature {fid}: {key}: committed {json.dumps(pa.get(key), ensure_ascii=False)}"
                           f" -> research {json.dumps(pb.get(key), ensure_ascii=False)}")
    if not out and old_text != new_text:
        out.append("~ formatting or feature order differs")
    return out



def _print_differences(rel: str, old: str, text: str, exists: bool) -> None:
    diff = feature_diff(old, text) if rel.endswith(".geojson") and old else None
    diff = diff or list(difflib.unified_diff(old.splitlines(), text.splitlines(),
                                             f"committed/{rel}", f"research/{rel}", lineterm="", n=0))
    print(f"DIFFERS: {rel}" + ("" if exists else " (missing)"))
    for line in diff[:60]:
        print(line[:300])
    if len(diff) > 60:
        print(f"... {len(diff) - 60} more diff lines")


def check(files: dict[str, str], out: Path, *, command: str = "tools/curate.py") -> int:
    """Compare the regenerated files with those under ``out``: 0 when equal, else 1 and a diff."""
    bad = 0
    for rel, text in files.items():
        path = out / rel
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old != text:
            bad += 1
            _print_differences(rel, old, text, path.exists())
    if bad:
        print(f"{bad} file(s) out of step with the research; run {command} to regenerate")
        return 1
    print(f"OK: {len(files)} files match the research")
    return 0


def _write_files(files: dict[str, str], out: Path) -> None:
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)


def _changelog(out: Path) -> str:
    path = out / CHANGES_FILE
    return path.read_text(encoding="utf-8") if path.exists() else ""


def write(files: dict[str, str], out: Path, *, previous: Path, date: str) -> None:
    """Write the files under ``out`` with a changelog section for what changed against ``previous``
    (and the changelog's header as :data:`~curation.changes.HEADER` says)."""
    old_files = {rel: (previous / rel).read_text(encoding="utf-8") if (previous / rel).exists() else ""
                 for rel in files}
    section = changes_section(old_files, files, date=date)
    old_log = _changelog(out)
    if section or old_log:  # a new section, or the header brought up to date
        files = {**files, CHANGES_FILE: with_section(old_log, section)}
    _write_files(files, out)
    print(f"wrote {len(files)} files under {out}" + (f"; changes in {CHANGES_FILE}" if section else ""))


def main(argv: list[str] | None = None) -> int:
    """``tools/curate.py``: curate the research into ``data/`` (or ``--check`` that it is in step)."""
    ap = argparse.ArgumentParser(description="Curate the research notes into the project's embedded data.")
    ap.add_argument("--research", default="../shared/research", type=Path)
    ap.add_argument("--out", default=".", type=Path)
    ap.add_argument("--check", action="store_true",
                    help="compare with the files under --out; exit 1 and print a diff "
                         "if they differ")
    ap.add_argument("--compare-with", type=Path, default=None,
                    help="folder holding the previous data/ for the changelog (default: --out)")
    ap.add_argument("--date", default=datetime.now(UTC).date().isoformat(),
                    help="date of the changelog section (default: today, UTC)")
    args = ap.parse_args(argv)
    files = generate(args.research)
    if args.check:  # the committed changelog must carry the current header too
        changelog = _changelog(args.out)
        return check({**files, CHANGES_FILE: with_section(changelog)} if changelog else files, args.out)
    write(files, args.out, previous=args.compare_with or args.out, date=args.date)
    return 0


def reference_main(argv: list[str] | None = None) -> int:
    """``tools/curate_reference.py``: build the basemap's reference layers (or ``--check`` them)."""
    ap = argparse.ArgumentParser(description="Build the reference layers of the offline basemap into "
                                             "``data/reference/``.")
    ap.add_argument("--shared", default="../shared", type=Path, help="folder holding fixtures/ and research/")
    ap.add_argument("--out", default=".", type=Path, help="repository root to write data/reference/ under")
    ap.add_argument("--check", action="store_true", help="compare with the files under --out; exit 1 if they differ")
    args = ap.parse_args(argv)
    files = generate_reference(args.shared)
    if args.check:
        return check(files, args.out, command="tools/curate_reference.py")
    _write_files(files, args.out)
    return 0
