#!/usr/bin/env python3
"""The hosts' dependency rule (issue 11): a host under hosts/ depends on the
generated code, the ABI file and common/ only. Checked on what the compiler is
really given (compile_commands.json): every -I/-isystem of a file under
hosts/NAME must be hosts/NAME itself, common/, the generated headers or a
system directory, and no #include may climb out of the host's folder.

  dependency_rule.py SOURCE_DIR BUILD_DIR     # exit 1 and name each breach
  dependency_rule.py --self-test              # the checker catches a planted breach
"""
import json
import os
import re
import sys


def breaches(source_dir, gen_dir, commands, sources):
    src = os.path.realpath(source_dir)
    hosts = os.path.join(src, "hosts")
    allowed_roots = [os.path.join(src, "common"), os.path.realpath(gen_dir)]
    out = []
    for entry in commands:
        f = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
        if not f.startswith(hosts + os.sep):
            continue
        own = os.path.join(hosts, os.path.relpath(f, hosts).split(os.sep)[0])
        args = entry.get("arguments") or entry["command"].split()
        for i, a in enumerate(args):
            path = None
            if a in ("-I", "-isystem", "-iquote") and i + 1 < len(args):
                path = args[i + 1]
            elif a.startswith("-I") and len(a) > 2:
                path = a[2:]
            elif a.startswith("-isystem") and len(a) > 8:
                path = a[8:]
            if path is None:
                continue
            p = os.path.realpath(os.path.join(entry["directory"], path))
            inside_project = p.startswith(src + os.sep)
            ok = not inside_project or p == own or p.startswith(own + os.sep) or any(
                p == r or p.startswith(r + os.sep) for r in allowed_roots)
            if not ok:
                out.append(f"{os.path.relpath(f, src)}: include path {os.path.relpath(p, src)} is outside the host, common/ and the generated code")
    for f, text in sources:
        own = os.path.join(hosts, os.path.relpath(f, hosts).split(os.sep)[0])
        for n, line in enumerate(text.splitlines(), 1):
            m = re.match(r'\s*#\s*include\s*"([^"]+)"', line)
            if m and ".." in m.group(1).split("/"):
                target = os.path.realpath(os.path.join(os.path.dirname(f), m.group(1)))
                if not target.startswith(own + os.sep):
                    out.append(f"{os.path.relpath(f, src)}:{n}: #include \"{m.group(1)}\" leaves the host's folder")
    return out


def host_sources(source_dir):
    hosts = os.path.join(os.path.realpath(source_dir), "hosts")
    for root, _, files in os.walk(hosts):
        for name in files:
            if name.endswith((".c", ".cc", ".h", ".hpp", ".S")):
                path = os.path.join(root, name)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    yield path, fh.read()


def self_test():
    src = "/xabi"
    cmds = [{"directory": "/xabi/build", "file": "/xabi/hosts/kvm/vm.cc",
             "command": "c++ -I/xabi/hosts/kvm -I/xabi/common -I/xabi/build/spec/gen/out -I/usr/include -c vm.cc"}]
    assert breaches(src, "/xabi/build/spec/gen/out", cmds, []) == [], "a clean host was refused"
    cmds[0]["command"] += " -I/xabi/monitor/calls"
    found = breaches(src, "/xabi/build/spec/gen/out", cmds, [("/xabi/hosts/kvm/a.cc", '#include "../../monitor/calls/arena.h"\n')])
    assert len(found) == 2, found
    cmds[0]["command"] = cmds[0]["command"].replace("-I/xabi/monitor/calls", "-I/xabi/hosts/ptrace")
    assert len(breaches(src, "/xabi/build/spec/gen/out", cmds, [])) == 1, "another host's folder was allowed"
    print("dependency_rule: self-test passed")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    source_dir, build_dir = argv[1], argv[2]
    with open(os.path.join(build_dir, "compile_commands.json")) as fh:
        commands = json.load(fh)
    checked = sum(1 for e in commands if os.path.realpath(os.path.join(e["directory"], e["file"])).startswith(
        os.path.join(os.path.realpath(source_dir), "hosts") + os.sep))
    if checked == 0:
        print("dependency_rule: no file under hosts/ in compile_commands.json", file=sys.stderr)
        return 1
    found = breaches(source_dir, os.path.join(build_dir, "spec", "gen", "out"), commands, host_sources(source_dir))
    for b in found:
        print(b, file=sys.stderr)
    print(f"dependency_rule: {checked} compiled host files, {len(found)} breaches")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
