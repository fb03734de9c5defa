"""Leaves only the named trigger types in a copy of KEDA's source, before it is built (build-keda.sh).

KEDA compiles every scaler it ships into its operator (80 trigger types, every cloud SDK: about 3,300 packages);
the cluster tests use `metrics-api` only. Removing the other scalers' files from pkg/scalers and their cases from
the trigger switch in pkg/scaling/scalers_builder.go halves what is compiled and changes nothing else: the
operator, its scaling loop, the HPA it manages and the metrics adapter are KEDA's own code.

usage: keda-triggers.py <source dir> <scaler file stem,...>   (e.g. metrics_api,cpu_memory)
"""

import os
import re
import sys

# Declarations the kept scalers use that KEDA keeps in scaler files this leaves out (checked for v2.21.0; a
# newer KEDA that moves them fails to compile, naming what is missing).
SHARED = 'package scalers\n\n// Declared in a scaler file the trimmed build leaves out.\nconst externalMetricType = "External"\n'


def main(root: str, keep: set[str]) -> None:
    scalers = os.path.join(root, "pkg/scalers")
    defined: set[str] = set()
    for name in sorted(os.listdir(scalers)):
        path = os.path.join(scalers, name)
        if not name.endswith(".go"):
            continue
        if name.endswith("_test.go") or (name.endswith("_scaler.go") and name[: -len("_scaler.go")] not in keep):
            os.remove(path)
            continue
        with open(path) as f:
            defined |= set(re.findall(r"^func (New\w+)\(", f.read(), re.M))
    with open(os.path.join(scalers, "zz_trimmed_shared.go"), "w") as f:
        f.write(SHARED)

    builder = os.path.join(root, "pkg/scaling/scalers_builder.go")
    with open(builder) as f:
        src = f.read()
    start, end = src.index("// TRIGGERS-START"), src.index("// TRIGGERS-END")
    block = src[start:end]
    cases = re.findall(r"(\tcase [^\n]+:\n(?:\t\t[^\n]*\n)+)", block)
    kept = [c for c in cases if all(n in defined for n in re.findall(r"scalers\.(New\w+)", c))]
    default = block[block.index("\tdefault:") :]
    with open(builder, "w") as f:
        f.write(src[:start] + "// TRIGGERS-START\n\tswitch triggerType {\n" + "".join(kept) + default + src[end:])
    triggers = re.findall(r'case "([^"]+)"', "".join(kept))
    print(f"KEDA trigger types kept: {', '.join(triggers)} ({len(kept)} of {len(cases)})")


if __name__ == "__main__":
    main(sys.argv[1], set(sys.argv[2].split(",")))
