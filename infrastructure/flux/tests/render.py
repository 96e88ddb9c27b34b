"""Write what each Flux Kustomization of each cluster applies, after substitution, for checkov
and kubeconform.

Usage: python infrastructure/flux/tests/render.py OUTPUT_DIR
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import fluxlib
import yaml


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    layers: dict[str, list[dict]] = defaultdict(list)
    for cluster in fluxlib.CLUSTERS:
        for doc in fluxlib.built_documents(cluster):
            layers[f"{cluster}-{doc.kustomization}"].append(doc.obj)
        layers[f"clusters-{cluster}"] = fluxlib.cluster_objects(cluster)
    for name, docs in layers.items():
        (out / f"{name}.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
        print(f"rendered {len(docs):3d} objects -> {out / (name + '.yaml')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
