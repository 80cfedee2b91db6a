"""The command line: ``python -m runner`` (``make examples``) from the project's root.

    python -m runner                     run every missing or stale example, in parallel
    python -m runner --only ch3/conv_image [--only ...]   just those (also with list/pack)
    python -m runner --force ...         run even what is cached
    python -m runner --list              name, cached or stale, last device and time
    python -m runner pack results.tar.gz     the current results, into one archive
    python -m runner unpack results.tar.gz   an archive's results, into the local cache
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from runner.archive import ArchiveError, pack, unpack
from runner.batch import results, status
from runner.cache import ExampleError
from runner.keys import DEFAULT_TIMEOUT_S
from runner.project import Project


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m runner",
        description="Run the course's examples into the cache the site build uses.",
    )
    parser.add_argument("command", nargs="?", default="run",
                        choices=["run", "list", "pack", "unpack"],
                        help="run (default): the missing and stale examples; list: where "
                             "each stands; pack/unpack ARCHIVE: carry results between machines")
    parser.add_argument("archive", nargs="?", type=Path, help="the archive for pack/unpack")
    parser.add_argument("--list", action="store_true", help="same as the command 'list'")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="an example, e.g. ch3/conv_image (repeat for more)")
    parser.add_argument("--force", action="store_true", help="run even what is cached")
    parser.add_argument("--jobs", type=int, help="kernels side by side (default: the cores)")
    parser.add_argument("--timeout", type=float, metavar="S",
                        default=float(os.environ.get("AUDIODL_EXAMPLE_TIMEOUT",
                                                     DEFAULT_TIMEOUT_S)),
                        help="limit per example in seconds (default: "
                             "$AUDIODL_EXAMPLE_TIMEOUT or %(default)g)")
    parser.add_argument("--root", type=Path, default=Path.cwd(),
                        help="the project's root, holding examples/ (default: here)")
    args = parser.parse_args(argv)
    if args.list:
        args.command = "list"
    if args.command in ("pack", "unpack") and args.archive is None:
        parser.error(f"{args.command} needs an ARCHIVE, e.g. results.tar.gz")
    if args.command in ("run", "list") and args.archive is not None:
        parser.error(f"unexpected argument {args.archive} for {args.command}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    project = Project(args.root.resolve())
    try:
        if args.command == "list":
            return show_list(project, args.only)
        if args.command == "pack":
            return show_report(pack(project, args.archive, args.only), "packed", args.archive)
        if args.command == "unpack":
            return show_report(unpack(project, args.archive), "unpacked", args.archive)
        return run(project, args)
    except (KeyError, ArchiveError) as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the archive to unpack is missing or unreadable
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2


def run(project: Project, args) -> int:
    outcomes = results(project, args.only, timeout_s=args.timeout, jobs=args.jobs,
                       force=args.force, log=lambda message: print(message, flush=True))
    failed = [e for e in outcomes.values() if isinstance(e, ExampleError)]
    for error in failed:
        print(f"\n{error}", file=sys.stderr)
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} examples have a current result"
          + (f"; {len(failed)} failed" if failed else ""))
    return 1 if failed else 0


def show_list(project: Project, only) -> int:
    rows = status(project, only)
    width = max((len(r.name) for r in rows), default=7)
    states = max((len(r.state) for r in rows), default=5)
    print(f"{'example':{width}}  {'state':{states}}  {'last run':>8}  {'ran at (UTC)':19}  device")
    for row in rows:
        last = row.last
        seconds = f"{last.seconds:7.1f}s" if last else ""
        ran_at = (last.ran_at if last else "").replace("+00:00", "")
        line = f"{row.name:{width}}  {row.state:{states}}  {seconds:>8}  {ran_at:19}  "
        print((line + (last.device if last else "")).rstrip())
    return 0


def show_report(report, verb: str, archive: Path) -> int:
    for name, why in report.left:
        print(f"not {verb}: {name}: {why}", file=sys.stderr)
    print(f"{verb} {len(report.done)} result(s) {'into' if verb == 'packed' else 'from'} "
          f"{archive}")
    return 1 if report.left else 0


if __name__ == "__main__":
    sys.exit(main())
