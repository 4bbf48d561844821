#!/usr/bin/python3
"""Every C and C++ file of the project is formatted as .clang-format says (clang-format 14, the one
Debian 12 packages). The crash lab's programs (fixtures/) are left as written: tests assert their line
numbers.

usage: check_format.py SOURCE-DIR CLANG-FORMAT"""
import os
import subprocess
import sys

SUFFIXES = (".c", ".cpp", ".h", ".hpp")
LEFT_AS_WRITTEN = ("fixtures/",)


def project_files(root):
    p = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True)
    if p.returncode == 0:
        names = p.stdout.splitlines()
    else:  # not a git checkout (an unpacked tarball): every file but the build trees
        names = [os.path.relpath(os.path.join(d, f), root) for d, dirs, files in os.walk(root)
                 for f in files if not os.path.relpath(d, root).startswith(("build", ".deps", ".git"))]
    return sorted(n for n in names if n.endswith(SUFFIXES) and not n.startswith(LEFT_AS_WRITTEN))


def main(root, clang_format):
    files = project_files(root)
    unformatted = []
    for name in files:
        p = subprocess.run([clang_format, "--dry-run", "--Werror", "--style=file", name], cwd=root,
                           capture_output=True, text=True)
        if p.returncode != 0:
            unformatted.append(name)
    for name in unformatted:
        print("not formatted: %s  (clang-format-14 -i %s)" % (name, name))
    print("%d files checked, %d not formatted" % (len(files), len(unformatted)))
    return 1 if unformatted or not files else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
