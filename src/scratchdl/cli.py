"""The command line: ``scratchdl list`` and ``scratchdl run RECIPE [--epochs N] [--seed S]
[--out DIR] [--quick] [--dataset NAME] [--limit N]``."""

from __future__ import annotations

import argparse
import inspect
import sys

from scratchdl.data.download import DatasetNotFoundError
from scratchdl.recipes import RECIPES
from scratchdl.recipes._common import report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scratchdl", description="Deep learning from first principles: runnable recipes."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the recipes")
    run = commands.add_parser("run", help="run a recipe")
    run.add_argument("recipe", help="a name from `scratchdl list`")
    run.add_argument("--epochs", type=int, default=None, help="override the number of epochs")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--out", default=None, help="output folder (default runs/RECIPE)")
    run.add_argument("--quick", action="store_true", help="the short version the tests run")
    run.add_argument(
        "--dataset", default=None, help="which data set, for recipes offering several (cifar)"
    )
    run.add_argument(
        "--limit",
        type=int,
        default=None,
        help="train on the first N training images only (recipes on large data sets, e.g. cifar)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        width = max(len(name) for name in RECIPES)
        for name, module in RECIPES.items():
            print(f"{name:<{width}}  {module.SUMMARY}")
        return 0
    if args.recipe not in RECIPES:
        print(
            f"scratchdl run: unknown recipe {args.recipe!r}; available: {', '.join(RECIPES)}",
            file=sys.stderr,
        )
        return 2
    if args.epochs is not None and args.epochs < 1:
        print(f"scratchdl run: --epochs must be >= 1; received {args.epochs}", file=sys.stderr)
        return 2
    module = RECIPES[args.recipe]
    options = {name: getattr(args, name) for name in ("dataset", "limit")}
    options = {name: value for name, value in options.items() if value is not None}
    accepted = inspect.signature(module.run).parameters
    for name in options:
        if name not in accepted:
            print(f"scratchdl run: {args.recipe} has no --{name} option", file=sys.stderr)
            return 2
    if options.get("limit", 1) < 1:
        print(f"scratchdl run: --limit must be >= 1; received {args.limit}", file=sys.stderr)
        return 2
    try:
        metrics = module.run(
            epochs=args.epochs, seed=args.seed, out=args.out, quick=args.quick, **options
        )
    except DatasetNotFoundError as error:  # a recipe on real data whose files are not here
        print(f"scratchdl run {args.recipe}: {error}", file=sys.stderr)
        return 2
    print(report(args.recipe, metrics, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
