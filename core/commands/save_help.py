"""The help the real CLI prints to stderr after a saved build (``printSaveHelp``, specs/depot-api.md §5):
how to pull the saved build, its save tags, and how to push it elsewhere. Pure rendering."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["render_save_help", "wants_save_help"]


def wants_save_help(env: Mapping[str, str], progress: str) -> bool:
    """False for ``--progress quiet``, ``DEPOT_NO_SUMMARY_LINK`` or ``DEPOT_IN_AUTOMATION``, as the CLI."""
    return progress != "quiet" and not env.get("DEPOT_NO_SUMMARY_LINK") and not env.get("DEPOT_IN_AUTOMATION")


def render_save_help(project: str, build_id: str, targets: Sequence[str], tags: Sequence[str]) -> str:
    """The help text: ``targets`` are the saved bake targets (none for a build), ``tags`` the API's
    ``additional_tags`` (the build's own tag and the save tags, unsuffixed; bake adds ``-<target>``)."""
    lines = ["", f"Saved target{'s' if len(targets) > 1 else ''}: {','.join(targets)}",
             f"\tTo pull: depot pull --project {project} {build_id}"]
    if len(tags) > 1:
        lines += ["\tTo pull save-tags:",
                  f"\t\tdocker login registry.depot.dev -u x-token -p $(depot pull-token --project {project})", ""]
        named = [t for t in tags if build_id not in t]
        pulls = [f"{t}-{target}" for target in targets if target != "default" for t in named] if targets else named
        lines += [f"\t\tdocker pull {p}" for p in dict.fromkeys(pulls)]
        lines.append("")
    usage = "--target <TARGET> " if targets else ""
    lines.append(f"\tTo push: depot push {usage}--project {project} --tag <REPOSITORY:TAG> {build_id}")
    return "\n".join(lines) + "\n"
