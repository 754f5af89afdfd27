#!/usr/bin/env python3
"""Checks that the node build and the workspace's test build compile every shared crate with the
same features, so that CI (and `scripts/test.sh` after `scripts/run.sh`) compiles the SDK once.

A dev-dependency that turns on a feature the node build lacks (tokio's `test-util`, say) makes
cargo compile that crate, and everything above it, a second time for the tests. This compares
`cargo tree` of `cargo build -p decentralml` with that of `cargo test --workspace` and names
every crate whose features differ. Crates only the tests use are fine.

    scripts/check-feature-set.py
"""
import subprocess
import sys


def features_by_package(args):
    """Maps "name version" to the set of feature lists cargo resolves for it."""
    out = subprocess.run(
        ["cargo", "tree", "--locked", *args, "-f", "{p}|{f}", "--prefix", "none"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = {}
    for line in out.splitlines():
        line = line.removesuffix(" (*)").strip()
        if "|" not in line:
            continue
        package, features = line.split("|", 1)
        # Workspace members print their path after the version: keep name and version.
        package = " ".join(package.split()[:2])
        found.setdefault(package, set()).add(features.strip())
    return found


def main():
    node = features_by_package(["-p", "decentralml", "-e", "normal,build"])
    tests = features_by_package(["--workspace", "-e", "normal,build,dev"])
    # A crate the node build compiles with features the tests never ask for is compiled again
    # for them. A test-only extra compile of a crate (a build tool of a test dependency) is fine.
    differing = sorted(p for p in node if p in tests and not node[p] <= tests[p])
    if not differing:
        print(f"one feature set: the {len(node)} crates of the node build compile alike for the tests")
        return 0
    print("the node build and the test build resolve different features for:", file=sys.stderr)
    for package in differing:
        print(f"  {package}", file=sys.stderr)
        print(f"    node:  {' / '.join(sorted(node[package]))}", file=sys.stderr)
        print(f"    tests: {' / '.join(sorted(tests[package]))}", file=sys.stderr)
    print(
        "so they are compiled twice. A dev-dependency adds those features: give the normal\n"
        "dependency the same ones, or drop them (see the feature-set notes in docs/src/testing.md).",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
