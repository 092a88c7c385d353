"""``redmud list feedstocks|routes|parameters``."""

from __future__ import annotations

import importlib

#: What can be listed, and the function that lists it.
LISTINGS = {"feedstocks": ("redmud.commands.feedstock", "list_all"),
            "routes": ("redmud.commands.run", "list_all"),
            "parameters": ("redmud.commands.parameters", "list_all")}


def add_parser(subparsers, common) -> None:
    parser = subparsers.add_parser("list", parents=[common], help="list feedstocks, routes or parameters")
    parser.add_argument("what", choices=sorted(LISTINGS))
    parser.add_argument("--route", default=None, help="(parameters) the route whose parameters to list")
    parser.add_argument("--feedstock", default=None, help="(parameters) the feedstock (default: the route's)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    module, function = LISTINGS[args.what]
    return getattr(importlib.import_module(module), function)(args)
